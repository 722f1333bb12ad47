/**
 * The timers of a room: the agent watchdog of each call (an `agent_timeout` event at its deadline)
 * and the room's eviction (ended rooms stay a while for late events; silent ones go eventually).
 */
import { agentDeadline, callView, type InboundEvent } from '../../domain/inbound-call';
import { trackDelivery, type InboundContext } from './context';
import type { CallSession, RoomSession, RoomSessions } from './sessions';

const IDLE_ROOM_MS = 6 * 3600_000;

export class RoomTimers {
  constructor(
    private readonly ctx: InboundContext,
    private readonly sessions: RoomSessions,
    /** Runs an event the way a webhook's is run (on the room's queue). */
    private readonly process: (ev: InboundEvent) => Promise<void>,
  ) {}

  /** Sets each call's watchdog to its current deadline and the room's eviction to its state. */
  reconcile(s: RoomSession): void {
    let open = false;
    for (const cs of s.calls.values()) {
      const view = callView(s.state, cs.key);
      if (view && !view.ended) open = true;
      const watched = view && cs.binding?.agentName && (cs.presentation === 'thread' || cs.presentation === 'held');
      this.setWatchdog(s, cs, watched ? agentDeadline(view, this.ctx.settings.agentTimeoutMs) : undefined);
    }
    const done = s.state.finishedAt !== undefined && !open;
    if (s.evictTimer !== undefined) this.ctx.timers.clearTimeout(s.evictTimer);
    if (this.ctx.stopped()) return;
    s.evictTimer = this.ctx.timers.setTimeout(
      () => {
        void this.ctx.queue.run(s.name, async () => {
          if (this.sessions.evict(s)) this.clear(s);
        });
      },
      done ? this.ctx.settings.retainEndedMs : IDLE_ROOM_MS,
    );
  }

  private setWatchdog(s: RoomSession, cs: CallSession, wanted: number | undefined): void {
    const { timers, settings } = this.ctx;
    if (wanted === cs.watchdogDeadline) return;
    if (cs.watchdog !== undefined) timers.clearTimeout(cs.watchdog);
    cs.watchdog = undefined;
    cs.watchdogDeadline = wanted;
    if (wanted === undefined || this.ctx.stopped()) return;
    const delay = Math.min(Math.max(0, wanted - this.ctx.nowMs()), settings.agentTimeoutMs);
    cs.watchdog = timers.setTimeout(() => {
      cs.watchdog = undefined;
      // In event time the watchdog fires at its deadline: an agent whose join (by its own timestamp)
      // came before it counts as in time, even when its webhook arrives after the timer.
      const ev: InboundEvent = {
        type: 'agent_timeout',
        at: wanted,
        room: { name: s.name, ...(s.sid ? { sid: s.sid } : {}) },
        callKey: cs.key,
      };
      void this.ctx.deps.inflight.track(
        `inbound:${s.name}:watchdog`,
        this.ctx.queue.run(s.name, () => this.process(ev).then(() => trackDelivery(this.ctx))),
      );
    }, delay);
  }

  /** Clears every timer of the room (eviction, stop). */
  clear(s: RoomSession): void {
    const { timers } = this.ctx;
    for (const cs of s.calls.values()) {
      if (cs.watchdog !== undefined) timers.clearTimeout(cs.watchdog);
      if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
      cs.watchdog = undefined;
      cs.holdTimer = undefined;
    }
    if (s.evictTimer !== undefined) timers.clearTimeout(s.evictTimer);
    s.evictTimer = undefined;
  }
}
