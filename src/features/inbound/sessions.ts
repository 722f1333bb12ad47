/**
 * Room sessions: what the feature holds per LiveKit room (the reducer's state and one session per
 * call), looked up by room name and sid, restored from the last call record after a restart, and
 * dropped when the room has been quiet long enough.
 */
import type { Binding } from '../../domain/binding';
import {
  callView,
  emptyRoomState,
  type InboundCallView,
  type InboundEvent,
  type RoomCallsState,
} from '../../domain/inbound-call';
import { parseStoredDetail, type Presentation } from '../../domain/inbound-record';
import type { MessageHandle } from '../../slack/paced-notifier';
import type { CallRecord } from '../../store/calls-repo';
import type { InboundContext } from './context';

export interface CallSession {
  key: string;
  presentation: Presentation;
  binding?: Binding;
  recordId?: string;
  parent?: MessageHandle;
  lastParentJson?: string;
  /** Reply milestones already queued (started, joined:<key>, agent-missing, ended). */
  replied: Set<string>;
  /** Those Slack has taken; only these are stored, so after a crash the others are posted again. */
  confirmed: Set<string>;
  watchdog?: unknown;
  watchdogDeadline?: number | undefined;
  holdTimer?: unknown;
  noiseKey?: string;
  noiseCounted?: boolean;
}

export interface RoomSession {
  id: string;
  name: string;
  sid?: string;
  state: RoomCallsState;
  calls: Map<string, CallSession>;
  evictTimer?: unknown;
  /** Restored from a call record: sync its calls to Slack once. */
  resync?: boolean;
}

export function newCallSession(key: string): CallSession {
  return { key, presentation: 'ignored', replied: new Set(), confirmed: new Set() };
}

export function sessionKey(name: string, sid: string | undefined): string {
  return `${name}\u0000${sid ?? ''}`;
}

/** Posts the parent of a restored call whose parent was queued but never posted before the stop. */
export type OpenThread = (cs: CallSession, view: InboundCallView) => Promise<void>;

export class RoomSessions {
  private readonly sessions = new Map<string, RoomSession>();

  constructor(
    private readonly ctx: InboundContext,
    private readonly openThread: OpenThread,
  ) {}

  all(): IterableIterator<RoomSession> {
    return this.sessions.values();
  }

  /** True while a session of the room named `name` is held here. */
  hasRoom(name: string): boolean {
    for (const s of this.sessions.values()) if (s.name === name) return true;
    return false;
  }

  /** The room's session: in memory, restored from the last call record, or new. */
  async sessionFor(ev: InboundEvent): Promise<RoomSession> {
    const { name, sid } = ev.room;
    const known = this.inMemory(name, sid);
    if (known) return known;
    const restored = sid ? await this.restore(name, sid) : undefined;
    const s: RoomSession = restored ?? {
      id: sessionKey(name, sid),
      name,
      ...(sid ? { sid } : {}),
      state: emptyRoomState(name),
      calls: new Map(),
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** Drops the session unless it was replaced meanwhile; true when it was dropped. */
  evict(s: RoomSession): boolean {
    if (this.sessions.get(s.id) !== s) return false;
    this.sessions.delete(s.id);
    return true;
  }

  private inMemory(name: string, sid: string | undefined): RoomSession | undefined {
    const exact = this.sessions.get(sessionKey(name, sid));
    if (exact) return exact;
    if (!sid) return [...this.sessions.values()].reverse().find((s) => s.name === name);
    // Events that came before the room's sid was known belong to this instance too.
    const unsid = this.sessions.get(sessionKey(name, undefined));
    if (!unsid) return undefined;
    this.sessions.delete(unsid.id);
    unsid.sid = sid;
    unsid.id = sessionKey(name, sid);
    this.sessions.set(unsid.id, unsid);
    return unsid;
  }

  /** Rooms whose last inbound record is to be read in the next batch, with their waiters. */
  private wantedRecords = new Map<
    string,
    Array<{ resolve: (r: CallRecord | undefined) => void; reject: (e: unknown) => void }>
  >();

  /**
   * The room's last inbound call record. The rooms asked in one turn share one query: each new room
   * (the first event of every call) asks, and on PostgreSQL a query costs a round trip.
   */
  private lastRecordOf(name: string): Promise<CallRecord | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.wantedRecords.get(name);
      if (waiting) waiting.push({ resolve, reject });
      else this.wantedRecords.set(name, [{ resolve, reject }]);
      if (this.wantedRecords.size === 1 && !waiting) setImmediate(() => void this.readRecords());
    });
  }

  private async readRecords(): Promise<void> {
    const wanted = this.wantedRecords;
    this.wantedRecords = new Map();
    try {
      const found = await this.ctx.deps.repos.calls.latestByRooms([...wanted.keys()], 'inbound');
      for (const [room, waiters] of wanted) for (const w of waiters) w.resolve(found.get(room));
    } catch (err) {
      for (const waiters of wanted.values()) for (const w of waiters) w.reject(err);
    }
  }

  /** The session of a room whose call was recorded before a restart (same room sid), if readable. */
  async restore(name: string, sid: string): Promise<RoomSession | undefined> {
    const { repos } = this.ctx.deps;
    const rec = await this.lastRecordOf(name);
    if (!rec?.detail) return undefined;
    const read = parseStoredDetail(rec.detail);
    if (!read.ok) {
      this.ctx.logger.warn(
        { room: name, call: rec.id, reason: read.reason },
        'the stored detail of an inbound call cannot be read; its thread starts afresh',
      );
      return undefined;
    }
    const d = read.detail;
    if (d.roomState.roomSid !== sid) return undefined;
    const s: RoomSession = { id: sessionKey(name, sid), name, sid, state: d.roomState, calls: new Map(), resync: true };
    const binding = rec.bindingName ? await repos.bindings.get(rec.bindingName) : undefined;
    const cs: CallSession = {
      key: d.callKey,
      presentation: d.presentation,
      replied: new Set(d.replied),
      confirmed: new Set(d.replied),
      recordId: rec.id,
    };
    if (binding) cs.binding = binding;
    const view = callView(s.state, d.callKey);
    if (binding && view && rec.slackChannel && rec.slackTs) {
      // What Slack shows is not known after a stop: the next sync sends the current state.
      cs.parent = this.ctx.slack().adopt(rec.slackChannel, rec.slackTs, { text: '' });
    } else if (binding && view && cs.presentation === 'thread') {
      // Its parent was queued, maybe posted, before the stop: adopt it or post it (the replies follow it).
      cs.presentation = 'held';
      await this.openThread(cs, view);
    }
    s.calls.set(cs.key, cs);
    this.ctx.logger.info({ room: name, call: d.callKey }, 'carrying on an inbound call thread from before the restart');
    return s;
  }
}
