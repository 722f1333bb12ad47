/**
 * One room event at a time: the reducer's new state, the effects it reports (a call started, a
 * participant joined, the call ended, …) applied to each call's session, then every touched call
 * synced to Slack and its record, and the room's timers reconciled.
 */
import {
  callerAttributes,
  callView,
  reduceInboundCall,
  type InboundCallView,
  type InboundEffect,
  type InboundEvent,
} from '../../domain/inbound-call';
import { classifySipCaller } from '../../domain/inbound-match';
import { isShortCall } from '../../domain/inbound-noise';
import { inboundCallOutcome } from '../../domain/inbound-record';
import { legOfCaller, type LoopbackClaims } from '../loopback-claims';
import type { CallRecords } from './call-records';
import type { CallThread } from './call-thread';
import { isoAt, trackDelivery, type InboundContext } from './context';
import type { NoiseNotes } from './noise-notes';
import { newCallSession, type CallSession, type RoomSession, type RoomSessions } from './sessions';
import type { UnboundReport } from './unbound-report';
import type { RoomTimers } from './watchdog';

export interface CallEventParts {
  sessions: RoomSessions;
  thread: CallThread;
  records: CallRecords;
  noise: NoiseNotes;
  unbound: UnboundReport;
  timers: () => RoomTimers;
  /** Running loopback test calls; a caller one of them claims is its inbound leg, not a customer call. */
  loopbacks?: LoopbackClaims | undefined;
}

export class CallEvents {
  constructor(
    private readonly ctx: InboundContext,
    private readonly parts: CallEventParts,
  ) {}

  /** Runs one event of a room (call it on the room's queue). */
  async process(ev: InboundEvent): Promise<void> {
    const s = await this.parts.sessions.sessionFor(ev);
    const { state, effects } = reduceInboundCall(s.state, ev);
    s.state = state;
    const touched = new Set<string>();
    if (s.resync) {
      // Restored after a stop: bring Slack up to date even if this event changes nothing.
      s.resync = false;
      for (const key of s.calls.keys()) touched.add(key);
    }
    for (const e of effects) {
      touched.add(e.call.key);
      await this.apply(s, e);
      if (e.kind === 'call-ended') this.countEnded(s.calls.get(e.call.key), e.call);
    }
    for (const key of touched) {
      const cs = s.calls.get(key);
      const view = callView(s.state, key);
      if (cs && view) await this.sync(s, cs, view);
    }
    this.parts.timers().reconcile(s);
  }

  private async sync(s: RoomSession, cs: CallSession, view: InboundCallView): Promise<void> {
    if (cs.presentation === 'thread') await this.parts.thread.sync(s, cs, view);
    await this.parts.records.save(s, cs, view);
  }

  private async apply(s: RoomSession, e: InboundEffect): Promise<void> {
    if (e.kind === 'call-started') {
      await this.startCall(s, e.call);
      return;
    }
    const cs = s.calls.get(e.call.key);
    if (!cs) return;
    if (e.kind === 'call-ended') this.parts.noise.countEnd(cs, e.call);
    if (cs.presentation !== 'held') return;
    const view = e.call;
    if (e.kind === 'call-ended') {
      if (isShortCall({ ...view, someoneJoined: view.joiners.length > 0 }, this.ctx.settings.noisePolicy))
        this.parts.noise.fold(cs, view);
      else await this.parts.thread.open(cs, view);
    } else if (e.kind === 'joiner-joined' || e.kind === 'media' || e.kind === 'agent-missing') {
      await this.parts.thread.open(cs, view);
    }
  }

  /** Customer calls (those with a call record) by outcome, once each, when they end. */
  private countEnded(cs: CallSession | undefined, view: InboundCallView): void {
    if (!cs?.recordId || cs.presentation === 'ignored') return;
    const outcome = inboundCallOutcome(cs.presentation, Boolean(cs.binding?.agentName), view);
    this.ctx.deps.metrics.inboundCalls.inc({ outcome });
  }

  private async startCall(s: RoomSession, call: InboundCallView): Promise<void> {
    const { repos } = this.ctx.deps;
    const cls = classifySipCaller(callerAttributes(s.state, call.key), s.name, await repos.bindings.list());
    const cs = newCallSession(call.key);
    s.calls.set(call.key, cs);
    if (cls.kind === 'not-inbound') return;
    // Reported in the loopback's own thread and record; not a customer call, not counted as traffic.
    if (this.parts.loopbacks?.claim(legOfCaller(s.name, call))) return;
    cs.recordId = `inbound:${call.callId || call.key}`;
    const base = {
      id: cs.recordId,
      direction: 'inbound' as const,
      startedAt: isoAt(this.ctx, call.joinedAt),
      roomName: s.name,
      caller: call.phoneNumber ?? call.identity,
      callee: call.did ?? null,
    };
    if (cls.kind === 'unbound') {
      cs.presentation = 'unbound';
      await this.parts.records.insert({ ...base, outcome: 'unbound', bindingName: null });
      await this.parts.unbound.report(call, cls.trunkKey);
      return;
    }
    cs.binding = cls.binding;
    await this.parts.records.insert({ ...base, outcome: 'in-progress', bindingName: cls.binding.name });
    cs.noiseKey = `${cls.binding.name}|${call.phoneNumber ?? call.identity}`;
    if (this.parts.noise.shouldHold(cs.noiseKey, call.joinedAt ?? this.ctx.nowMs())) this.hold(s, cs, call);
    else await this.parts.thread.open(cs, call);
  }

  /** A call that may be one more short call waits; one that lasts beyond the short-call limit is real and gets its thread then. */
  private hold(s: RoomSession, cs: CallSession, call: InboundCallView): void {
    cs.presentation = 'held';
    // If its end came with its start (late or reordered delivery), the call-ended effect decides now.
    if (call.ended) return;
    const { shortCallMs } = this.ctx.settings.noisePolicy;
    const due = Math.max(0, (call.joinedAt ?? this.ctx.nowMs()) + shortCallMs - this.ctx.nowMs());
    cs.holdTimer = this.ctx.timers.setTimeout(
      () => {
        cs.holdTimer = undefined;
        void this.ctx.deps.inflight.track(
          `inbound:${s.name}:hold`,
          this.ctx.queue.run(s.name, async () => {
            const view = callView(s.state, cs.key);
            if (cs.presentation !== 'held' || !view || view.ended) return;
            await this.parts.thread.open(cs, view);
            await this.sync(s, cs, view);
            trackDelivery(this.ctx);
          }),
        );
      },
      Math.min(due, shortCallMs),
    );
  }
}
