/**
 * The hand-off between a loopback test call (test-call feature) and inbound call reporting (inbound
 * feature): a running loopback registers what it waits for; whichever feature sees the inbound SIP caller
 * first asks `claim`, and the answer is the same for both (idempotent per leg). A claimed leg is the
 * loopback's: the inbound feature does not report it as a customer call nor count it in traffic, and the
 * loopback follows its room's events (`observe`, the test-call feature's webhook sink).
 *
 * One instance is shared by both features (`buildFeatures`); it lives in memory, like the loopbacks.
 */
import { ParticipantInfo_Kind, type WebhookEvent } from '@livekit/protocol';
import { calledTheDid, isLoopbackLeg, type InboundLegFacts, type LoopbackExpectation } from '../domain/loopback';

export interface LoopbackWatcher {
  expectation: LoopbackExpectation;
  /** The loopback's own outbound room: its events are forwarded too. */
  outboundRoom: string;
  /** The outbound leg's `sip.callID` once known (never claimed as the inbound leg). */
  outboundCallIds: string[];
  onInboundLeg(leg: InboundLegFacts): void;
  /** A webhook event of the outbound room or of the claimed inbound room. */
  onEvent(ev: WebhookEvent, atMs: number): void;
}

/** Claimed legs stay known this long after their loopback ended, so late webhooks are not customer calls. */
const FORGET_AFTER_MS = 10 * 60_000;

export class LoopbackClaims {
  private readonly watchers = new Set<LoopbackWatcher>();
  private readonly claimed = new Map<string, { watcher: LoopbackWatcher; room: string; endedAt?: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Register a loopback before it dials; the returned function unregisters it. */
  watch(w: LoopbackWatcher): () => void {
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
      const at = this.now();
      for (const c of this.claimed.values()) if (c.watcher === w) c.endedAt = at;
      this.forgetOld(at);
    };
  }

  /** Whether a loopback claims this inbound SIP caller (the same answer every time for the same leg). */
  claim(leg: Omit<InboundLegFacts, 'atMs' | 'outboundCallIds'>): boolean {
    const key = legKey(leg);
    if (this.claimed.has(key)) return true;
    const atMs = this.now();
    const fits = [...this.watchers].filter(
      (w) => !this.hasLeg(w) && isLoopbackLeg(w.expectation, { ...leg, atMs, outboundCallIds: w.outboundCallIds }),
    );
    const facts = { ...leg, atMs };
    const best = fits.find((w) => calledTheDid(w.expectation, facts)) ?? fits[0];
    if (!best) return false;
    this.claimed.set(key, { watcher: best, room: leg.room });
    best.onInboundLeg(facts);
    return true;
  }

  /** Whether the room holds a claimed loopback leg (its events are not a customer's call). */
  isLoopbackRoom(room: string): boolean {
    return [...this.claimed.values()].some((c) => c.room === room);
  }

  /** Webhook events: inbound SIP callers are offered for claiming; events of watched rooms go to their loopback. */
  observe(ev: WebhookEvent): void {
    const room = ev.room?.name;
    if (!room) return;
    const p = ev.participant;
    if (
      ev.event === 'participant_joined' &&
      p?.kind === ParticipantInfo_Kind.SIP &&
      room !== undefined &&
      !this.isOutboundRoom(room)
    ) {
      const a = p.attributes;
      this.claim({
        room,
        identity: p.identity,
        ...(a['sip.callID'] ? { callId: a['sip.callID'] } : {}),
        ...(a['sip.phoneNumber'] ? { phoneNumber: a['sip.phoneNumber'] } : {}),
        ...(a['sip.trunkPhoneNumber'] ? { trunkPhoneNumber: a['sip.trunkPhoneNumber'] } : {}),
        ...(a['sip.trunkID'] ? { trunkId: a['sip.trunkID'] } : {}),
        ...(a['sip.ruleID'] ? { ruleId: a['sip.ruleID'] } : {}),
      });
    }
    const at = this.now();
    for (const w of this.watchers) {
      if (w.outboundRoom === room || this.claimedRoomOf(w) === room) w.onEvent(ev, at);
    }
  }

  private isOutboundRoom(room: string): boolean {
    return [...this.watchers].some((w) => w.outboundRoom === room);
  }

  private hasLeg(w: LoopbackWatcher): boolean {
    return [...this.claimed.values()].some((c) => c.watcher === w);
  }

  private claimedRoomOf(w: LoopbackWatcher): string | undefined {
    return [...this.claimed.values()].find((c) => c.watcher === w)?.room;
  }

  private forgetOld(at: number): void {
    for (const [k, c] of this.claimed)
      if (c.endedAt !== undefined && at - c.endedAt > FORGET_AFTER_MS) this.claimed.delete(k);
  }
}

function legKey(leg: { room: string; identity: string; callId?: string }): string {
  return leg.callId ? `call:${leg.callId}` : `p:${leg.room}\u0000${leg.identity}`;
}

/** The inbound feature's view of a SIP caller as claim facts. */
export function legOfCaller(
  room: string,
  c: { identity: string; callId?: string; phoneNumber?: string; did?: string; trunkId?: string; ruleId?: string },
): Omit<InboundLegFacts, 'atMs' | 'outboundCallIds'> {
  return {
    room,
    identity: c.identity,
    ...(c.callId ? { callId: c.callId } : {}),
    ...(c.phoneNumber ? { phoneNumber: c.phoneNumber } : {}),
    ...(c.did ? { trunkPhoneNumber: c.did } : {}),
    ...(c.trunkId ? { trunkId: c.trunkId } : {}),
    ...(c.ruleId ? { ruleId: c.ruleId } : {}),
  };
}
