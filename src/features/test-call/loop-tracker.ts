/**
 * Follows one loopback through LiveKit's webhooks (via `LoopbackClaims`): the inbound leg it claimed,
 * the agent joining that leg's room, and the audio tracks of the outbound leg, the inbound leg and the
 * agent. Times are ms since the outbound leg was placed. `until` waits for a condition (or a bound).
 */
import { ParticipantInfo_Kind, type WebhookEvent } from '@livekit/protocol';
import type { InboundLegFacts, LoopbackExpectation, LoopbackObservation } from '../../domain/loopback';
import type { LoopbackWatcher } from '../loopback-claims';

export class LoopTracker implements LoopbackWatcher {
  readonly outboundCallIds: string[] = [];
  inbound: InboundLegFacts | undefined;
  agentJoinedMs: number | undefined;
  agentName = '';
  readonly tracks: LoopbackObservation['tracks'] = {};
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly expectation: LoopbackExpectation,
    readonly outboundRoom: string,
    private readonly outboundIdentity: string,
    private readonly hooks: {
      onInbound?: (leg: InboundLegFacts, atMs: number) => void;
      onAgent?: (name: string, atMs: number) => void;
    } = {},
  ) {}

  private since(atMs: number): number {
    return Math.max(0, atMs - this.expectation.placedAtMs);
  }

  onInboundLeg(leg: InboundLegFacts): void {
    this.inbound = leg;
    this.hooks.onInbound?.(leg, this.since(leg.atMs));
    this.wake();
  }

  onEvent(ev: WebhookEvent, atMs: number): void {
    const p = ev.participant;
    const room = ev.room?.name;
    if (!p || !room) return;
    const inInbound = this.inbound !== undefined && room === this.inbound.room;
    if (
      ev.event === 'participant_joined' &&
      inInbound &&
      p.kind === ParticipantInfo_Kind.AGENT &&
      this.agentJoinedMs === undefined
    ) {
      this.agentJoinedMs = this.since(atMs);
      this.agentName = p.name || p.identity;
      this.hooks.onAgent?.(this.agentName, this.agentJoinedMs);
    }
    if (ev.event === 'track_published') {
      const t = this.tracks;
      if (room === this.outboundRoom && p.identity === this.outboundIdentity) t.outboundMs ??= this.since(atMs);
      else if (inInbound && p.identity === this.inbound!.identity) t.inboundMs ??= this.since(atMs);
      else if (inInbound && p.kind === ParticipantInfo_Kind.AGENT) t.agentMs ??= this.since(atMs);
    }
    this.wake();
  }

  /** All three tracks (the agent's only when an agent is expected) are published. */
  tracksDone(agentExpected: boolean): boolean {
    const t = this.tracks;
    return t.outboundMs !== undefined && t.inboundMs !== undefined && (!agentExpected || t.agentMs !== undefined);
  }

  /** Resolves when `cond()` holds, or after `maxMs`, or on abort. */
  until(cond: () => boolean, maxMs: number, signal: AbortSignal): Promise<void> {
    if (cond() || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = (): void => {
        if (cond()) done();
      };
      const timer = setTimeout(done, maxMs);
      this.waiters.add(check);
      signal.addEventListener('abort', done);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
