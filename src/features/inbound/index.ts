/**
 * Inbound call reporting: LiveKit webhooks → one Slack thread per call, its parent kept live.
 *
 * - `accept` (the webhook route's sink) records the event ID in `webhook_events` (a retried or
 *   replayed delivery answers `duplicate`), converts the event and queues it on its room's serial
 *   queue, then returns: the HTTP answer never waits for Slack.
 * - Per room, events go through the pure reducer (`domain/inbound-call.ts`), so the state is right
 *   whatever order webhooks arrive in. Each SIP caller is a call: tied to a binding by its SIP
 *   attributes or room, given a parent message in the binding's report channel and thread replies
 *   (caller joined, agent joined, hang-up), with the parent updated as the call goes on. Compact
 *   threads (default) hold the replies back to one at hang-up and let the parent wait briefly for the
 *   agent, 3 Slack calls a call; live threads reply at each milestone.
 * - Slack traffic goes through the `PacedNotifier` (≤ 1 call per `paceIntervalMs` per channel,
 *   coalescing), so a burst of calls cannot trip Slack's limits.
 * - An agent watchdog posts the Sinch guide's checks when the binding's agent does not join in time;
 *   repeated short calls from one caller are folded into a periodic note (`domain/inbound-noise.ts`);
 *   traffic for trunks no binding owns is reported once per trunk to SUMMARY_CHANNEL.
 * - Every call is stored in `call_records` (for summaries), with enough detail to carry on a thread
 *   after a restart.
 */
import { WebhookEvent } from 'livekit-server-sdk';
import type { AppDeps, Feature, FeatureContext } from '../../app';
import type { Binding } from '../../domain/binding';
import {
  agentDeadline,
  callerAttributes,
  callView,
  emptyRoomState,
  reduceInboundCall,
  type InboundCallView,
  type InboundEffect,
  type InboundEvent,
  type RoomCallsState,
} from '../../domain/inbound-call';
import { classifySipCaller } from '../../domain/inbound-match';
import {
  DEFAULT_NOISE_POLICY,
  emptyNoiseState,
  foldIntoNote,
  isShortCall,
  pruneNoiseState,
  recordCallEnd,
  shouldHold,
  type NoiseNote,
  type NoisePolicy,
  type NoiseState,
} from '../../domain/inbound-noise';
import { describeFailure } from '../../domain/livekit-failure';
import { chatOf, PacedNotifier, type MessageHandle, type NotifierClock, type SlackContent } from '../../slack/paced-notifier';
import type { CallRecord } from '../../store/calls-repo';
import { WebhookEventsRepo } from '../../store/webhook-events-repo';
import { WebhookDedupe } from './dedupe';
import { INBOUND_EVENT_NAMES, toInboundEvent } from './events';
import {
  agentMissingReply,
  callerJoinedReply,
  endedReply,
  joinerJoinedReply,
  noiseNoteMessage,
  packReplies,
  parentMessage,
  unboundMessage,
  type RuleCheck,
} from './messages';
import { KeyedSerialQueue } from './room-queue';
import { withTimeout } from '../../with-timeout';

export interface FeatureTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface InboundOptions {
  /** Minimum time between two Slack calls to one channel (default 1000 ms). */
  paceIntervalMs?: number;
  /** Agent watchdog timeout (default AGENT_JOIN_TIMEOUT_SEC). */
  agentTimeoutMs?: number;
  /** Noise detection thresholds (default: < 5 s, ≥ 3 calls within 10 min). */
  noise?: Partial<NoisePolicy>;
  /** A noise note collects folded calls for this long before a new note starts (default: the noise window). */
  noiseNotePeriodMs?: number;
  /** Timers for the watchdog, holds and clean-up (default: global timers, unref'd). */
  timers?: FeatureTimers;
  /** Clock and timers of the Slack pacing. */
  notifierClock?: NotifierClock;
  /** How long an ended room stays in memory for late events (default 10 min). */
  retainEndedMs?: number;
  /** Bound on the live dispatch-rule check of the watchdog warning (default 1500 ms). */
  ruleCheckMs?: number;
  /** How long seen webhook event IDs are kept (default 7 days). */
  webhookRetentionMs?: number;
  /** How the thread fills (default INBOUND_THREAD): see `Config.inboundThread`. */
  threadMode?: 'compact' | 'live';
  /**
   * Compact threads: how long after the caller joined the parent waits for the binding's agent, so
   * one post says both (default 1500 ms; it goes at once when the agent joins or the call ends).
   */
  openingWindowMs?: number;
}

type Presentation = 'thread' | 'held' | 'folded' | 'unbound' | 'ignored';

interface CallSession {
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
  watchdogDeadline?: number;
  holdTimer?: unknown;
  noiseKey?: string;
  noiseCounted?: boolean;
}

interface RoomSession {
  id: string;
  name: string;
  sid?: string;
  state: RoomCallsState;
  calls: Map<string, CallSession>;
  evictTimer?: unknown;
  /** Restored from a call record: sync its calls to Slack once. */
  resync?: boolean;
}

/** What `call_records.detail` holds for an inbound call (version 1). */
interface StoredDetail {
  v: 1;
  callKey: string;
  presentation: Presentation;
  /** Reply milestones Slack has taken. */
  replied: string[];
  trunkId?: string;
  ruleId?: string;
  callId?: string;
  agentName?: string;
  agents: string[];
  media: boolean;
  agentMissing: boolean;
  roomState: RoomCallsState;
}

const defaultTimers: FeatureTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const IDLE_ROOM_MS = 6 * 3600_000;

export function inboundFeature(deps: AppDeps, opts: InboundOptions = {}): Feature {
  const { repos, config, inflight, livekit, now } = deps;
  const logger = deps.logger.child({ feature: 'inbound' });
  const webhookEvents = new WebhookEventsRepo(deps.store.db);
  const dedupe = new WebhookDedupe(webhookEvents, now, { onWriteError: (err) => logger.warn({ err }, 'recording webhook event IDs failed') });
  const timers = opts.timers ?? defaultTimers;
  const agentTimeoutMs = opts.agentTimeoutMs ?? config.agentJoinTimeoutSec * 1000;
  const noisePolicy: NoisePolicy = { ...DEFAULT_NOISE_POLICY, ...opts.noise };
  const notePeriodMs = opts.noiseNotePeriodMs ?? noisePolicy.windowMs;
  const retainEndedMs = opts.retainEndedMs ?? 10 * 60_000;
  const ruleCheckMs = opts.ruleCheckMs ?? 1500;
  const webhookRetentionMs = opts.webhookRetentionMs ?? 7 * 86_400_000;
  const threadMode = opts.threadMode ?? config.inboundThread;
  const openingWindowMs = opts.openingWindowMs ?? 1500;

  const queue = new KeyedSerialQueue((err, room) => logger.error({ err, room }, 'processing a LiveKit webhook failed'));
  const sessions = new Map<string, RoomSession>();
  const unboundClaimed = new Set<string>();
  const notes = new Map<string, { note: NoiseNote; handle: MessageHandle }>();
  let noise: NoiseState = emptyNoiseState();
  let notifier: PacedNotifier | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let notifierClosed = false;

  const nowMs = (): number => now().getTime();
  const iso = (ms: number | undefined): string => new Date(ms ?? nowMs()).toISOString();

  function slack(): PacedNotifier {
    if (!notifier) throw new Error('inbound feature used before register()');
    return notifier;
  }

  // ------------------------------------------------------------------ intake

  async function accept(event: WebhookEvent): Promise<'accepted' | 'duplicate'> {
    if (!INBOUND_EVENT_NAMES.has(event.event)) return 'accepted';
    const roomName = event.room?.name ?? null;
    const at = nowMs();
    const id = event.id;
    if (id) {
      // Written (with its payload) before LiveKit gets its 200; a failed write throws, so the
      // route answers 500 and LiveKit delivers the event again.
      const written = dedupe.take({ id, event: event.event, roomName, payload: event.toJsonString(), receivedAt: new Date(at) });
      if (written === false || !(await written)) return 'duplicate';
    }
    enqueue(event, at, id);
    return 'accepted';
  }

  /** Queue a stored event on its room; it is marked processed once handled (or found unusable). */
  function enqueue(event: WebhookEvent, receivedAtMs: number, id: string | undefined): void {
    const ev = toInboundEvent(event, receivedAtMs);
    if (!ev) {
      if (id) dedupe.processed(id);
      return;
    }
    void inflight.track(
      `inbound:${ev.room.name}`,
      queue.run(ev.room.name, async () => {
        try {
          await processEvent(ev);
        } finally {
          // Processed means reported: the mark waits until Slack has what this event queued, so
          // a stop before that replays the event at the next start (replays are idempotent).
          if (id) void slack().idle().then(() => {
            if (!notifierClosed) dedupe.processed(id);
          });
        }
      }),
    );
  }

  /** Events a crash left stored but unprocessed are handled again, oldest first. */
  async function replayUnprocessed(): Promise<number> {
    const rows = await webhookEvents.unprocessed();
    for (const row of rows) {
      let event: WebhookEvent;
      try {
        event = WebhookEvent.fromJsonString(row.payload, { ignoreUnknownFields: true });
      } catch (err) {
        logger.warn({ err, id: row.id }, 'a stored webhook event cannot be read; skipped');
        dedupe.processed(row.id);
        continue;
      }
      enqueue(event, Date.parse(row.receivedAt), row.id);
    }
    return rows.length;
  }

  // ------------------------------------------------------------------ rooms

  function sessionKey(name: string, sid: string | undefined): string {
    return `${name}\u0000${sid ?? ''}`;
  }

  /** The room's session: in memory, restored from the last call record, or new. */
  async function sessionFor(ev: InboundEvent): Promise<RoomSession> {
    const { name, sid } = ev.room;
    const exact = sessions.get(sessionKey(name, sid));
    if (exact) return exact;
    if (!sid) {
      const any = [...sessions.values()].reverse().find((s) => s.name === name);
      if (any) return any;
    } else {
      // Events that came before the room's sid was known belong to this instance too.
      const unsid = sessions.get(sessionKey(name, undefined));
      if (unsid) {
        sessions.delete(unsid.id);
        unsid.sid = sid;
        unsid.id = sessionKey(name, sid);
        sessions.set(unsid.id, unsid);
        return unsid;
      }
    }
    const restored = sid ? await restore(name, sid) : undefined;
    const s: RoomSession = restored ?? { id: sessionKey(name, sid), name, ...(sid ? { sid } : {}), state: emptyRoomState(name), calls: new Map() };
    sessions.set(s.id, s);
    return s;
  }

  async function restore(name: string, sid: string): Promise<RoomSession | undefined> {
    const rec = await repos.calls.findByRoom(name, 'inbound');
    const d = rec?.detail as Partial<StoredDetail> | null | undefined;
    if (!rec || !d || d.v !== 1 || !d.roomState || d.roomState.roomSid !== sid || !d.callKey) return undefined;
    const s: RoomSession = { id: sessionKey(name, sid), name, sid, state: d.roomState, calls: new Map(), resync: true };
    const binding = rec.bindingName ? await repos.bindings.get(rec.bindingName) : undefined;
    const cs: CallSession = { key: d.callKey, presentation: d.presentation ?? 'ignored', replied: new Set(d.replied ?? []), confirmed: new Set(d.replied ?? []), recordId: rec.id };
    if (binding) cs.binding = binding;
    const view = callView(s.state, d.callKey);
    if (binding && view && rec.slackChannel && rec.slackTs) {
      // What Slack shows is not known after a stop: the next sync sends the current state.
      cs.parent = slack().adopt(rec.slackChannel, rec.slackTs, { text: '' });
    } else if (binding && view && cs.presentation === 'thread') {
      // Its parent was queued but never posted before the stop: post it (the replies follow it).
      cs.binding = binding;
      cs.presentation = 'held';
      cs.replied = new Set();
      cs.confirmed = new Set();
      openThread(cs, view);
    }
    s.calls.set(cs.key, cs);
    logger.info({ room: name, call: d.callKey }, 'carrying on an inbound call thread from before the restart');
    return s;
  }

  async function processEvent(ev: InboundEvent): Promise<void> {
    const s = await sessionFor(ev);
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
      await applyEffect(s, e);
    }
    for (const key of touched) {
      const cs = s.calls.get(key);
      const view = callView(s.state, key);
      if (!cs || !view) continue;
      if (cs.presentation === 'thread') await syncThread(s, cs, view);
      await saveRecord(s, cs, view);
    }
    reconcileTimers(s);
  }

  async function applyEffect(s: RoomSession, e: InboundEffect): Promise<void> {
    if (e.kind === 'call-started') {
      await startCall(s, e.call);
      return;
    }
    const cs = s.calls.get(e.call.key);
    if (!cs) return;
    if (e.kind === 'call-ended' && cs.binding && cs.noiseKey && !cs.noiseCounted) {
      cs.noiseCounted = true;
      const outline = { agentJoined: e.call.agentJoined, someoneJoined: e.call.joiners.length > 0, media: e.call.media, endedAt: e.call.endedAt ?? nowMs(), ...(e.call.durationMs !== undefined ? { durationMs: e.call.durationMs } : {}) };
      noise = recordCallEnd(pruneNoiseState(noise, outline.endedAt, noisePolicy), cs.noiseKey, outline, noisePolicy);
    }
    if (cs.presentation !== 'held') return;
    const view = e.call;
    if (e.kind === 'call-ended') {
      if (isShortCall({ ...view, someoneJoined: view.joiners.length > 0 }, noisePolicy)) fold(cs, view);
      else openThread(cs, view);
    } else if (e.kind === 'joiner-joined' || e.kind === 'media' || e.kind === 'agent-missing') {
      openThread(cs, view);
    }
  }

  // ------------------------------------------------------------------ calls

  async function startCall(s: RoomSession, call: InboundCallView): Promise<void> {
    const cls = classifySipCaller(callerAttributes(s.state, call.key), s.name, await repos.bindings.list());
    const cs: CallSession = { key: call.key, presentation: 'ignored', replied: new Set(), confirmed: new Set() };
    s.calls.set(call.key, cs);
    if (cls.kind === 'not-inbound') return;
    cs.recordId = `inbound:${call.callId || call.key}`;
    const base = {
      id: cs.recordId,
      direction: 'inbound' as const,
      startedAt: iso(call.joinedAt),
      roomName: s.name,
      caller: call.phoneNumber ?? call.identity,
      callee: call.did ?? null,
    };
    if (cls.kind === 'unbound') {
      cs.presentation = 'unbound';
      await insertRecord({ ...base, outcome: 'unbound', bindingName: null });
      await reportUnbound(call, cls.trunkKey);
      return;
    }
    cs.binding = cls.binding;
    await insertRecord({ ...base, outcome: 'in-progress', bindingName: cls.binding.name });
    cs.noiseKey = `${cls.binding.name}|${call.phoneNumber ?? call.identity}`;
    if (shouldHold(noise, cs.noiseKey, call.joinedAt ?? nowMs(), noisePolicy)) {
      cs.presentation = 'held';
      // If its end came with its start (late or reordered delivery), the call-ended effect decides now.
      if (call.ended) return;
      // A held call that lasts beyond the short-call limit is real: it gets its thread then.
      const due = Math.max(0, (call.joinedAt ?? nowMs()) + noisePolicy.shortCallMs - nowMs());
      cs.holdTimer = timers.setTimeout(() => {
        cs.holdTimer = undefined;
        void inflight.track(
          `inbound:${s.name}:hold`,
          queue.run(s.name, async () => {
            const view = callView(s.state, cs.key);
            if (cs.presentation !== 'held' || !view || view.ended) return;
            openThread(cs, view);
            await syncThread(s, cs, view);
            await saveRecord(s, cs, view);
          }),
        );
      }, Math.min(due, noisePolicy.shortCallMs));
      return;
    }
    openThread(cs, call);
  }

  async function insertRecord(r: Pick<CallRecord, 'id' | 'direction' | 'startedAt' | 'outcome'> & Partial<CallRecord>): Promise<void> {
    if (await repos.calls.get(r.id)) return;
    await repos.calls.insert(r);
  }

  /** Posts the parent (the replies follow in `syncThread`). */
  function openThread(cs: CallSession, call: InboundCallView): void {
    if (cs.presentation === 'thread' || !cs.binding) return;
    if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
    cs.holdTimer = undefined;
    cs.presentation = 'thread';
    const binding = cs.binding;
    const content = parentMessage(call, binding);
    // Compact: a caller whose agent is still expected gets a parent that waits a moment for it (an
    // agent joining meanwhile changes the queued post; no extra call).
    const waitForAgent = threadMode === 'compact' && binding.agentName && !call.agentJoined && !call.ended && !call.agentMissing;
    const delayMs = waitForAgent ? (call.joinedAt ?? nowMs()) + openingWindowMs - nowMs() : 0;
    cs.parent = slack().post(binding.reportChannel, content, { delayMs });
    cs.lastParentJson = JSON.stringify(content);
    const recordId = cs.recordId;
    if (recordId) {
      void inflight.track(
        'inbound:record-ts',
        cs.parent.posted
          .then(async (ts) => {
            if (ts) await repos.calls.update(recordId, { slackChannel: binding.reportChannel, slackTs: ts });
          })
          .catch((err: unknown) => logger.warn({ err, call: recordId }, 'could not store the Slack ts of an inbound call')),
      );
    }
  }

  /**
   * Posts the replies this call's view calls for and not posted yet, then refreshes the parent.
   * Live threads get each milestone as it happens. Compact threads keep the parent live and hold
   * the milestones back until the hang-up or the agent watchdog's warning: queued together, they
   * become one reply (the notifier merges text replies queued back to back).
   */
  async function syncThread(s: RoomSession, cs: CallSession, view: InboundCallView): Promise<void> {
    const binding = cs.binding;
    const parent = cs.parent;
    if (!binding || !parent) return;
    const n = slack();
    const due = threadMode === 'live' || view.ended || (view.agentMissing && !cs.replied.has('agent-missing'));
    // Milestones that are due together go out as one reply.
    const batch: Array<{ key: string; content: SlackContent }> = [];
    if (due && !cs.replied.has('started')) {
      cs.replied.add('started');
      batch.push({ key: 'started', content: callerJoinedReply(view) });
    }
    for (const j of due ? view.joiners : []) {
      const k = `joined:${j.key}`;
      if (cs.replied.has(k)) continue;
      cs.replied.add(k);
      batch.push({ key: k, content: joinerJoinedReply(j) });
    }
    if (view.agentMissing && !cs.replied.has('agent-missing')) {
      cs.replied.add('agent-missing');
      batch.push({ key: 'agent-missing', content: agentMissingReply(view, binding, agentTimeoutMs, await checkRule(view, binding)) });
    }
    if (view.ended && !cs.replied.has('ended')) {
      cs.replied.add('ended');
      batch.push({ key: 'ended', content: endedReply(view, binding) });
    }
    for (const reply of packReplies(batch)) {
      const handle = n.reply(parent, reply.content);
      void inflight.track(
        'inbound:reply-confirmed',
        handle.posted.then((ts) => (ts ? confirmReplies(s, cs, reply.keys) : undefined)),
      );
    }
    const content = parentMessage(view, binding);
    const json = JSON.stringify(content);
    if (json !== cs.lastParentJson) {
      cs.lastParentJson = json;
      n.update(parent, content);
    }
    // A parent waiting for the agent goes as soon as there is no more need to wait.
    if (view.agentJoined || view.ended || view.agentMissing) n.release(parent);
  }

  /** Slack took these replies: store them as posted (in the room's order), so a replay skips them. */
  function confirmReplies(s: RoomSession, cs: CallSession, keys: readonly string[]): Promise<void> {
    return queue.run(s.name, async () => {
      for (const k of keys) cs.confirmed.add(k);
      const view = callView(s.state, cs.key);
      if (view) await saveRecord(s, cs, view);
    });
  }

  /** Live check 1 of the watchdog: does the dispatch rule still name the agent? */
  async function checkRule(view: InboundCallView, binding: Binding): Promise<RuleCheck> {
    const ruleId = view.ruleId || binding.resources.dispatchRuleId;
    const agent = binding.agentName ?? '';
    if (!ruleId) return { kind: 'unknown', reason: 'no dispatch rule ID on the call or the binding' };
    try {
      const res = await withTimeout(livekit.listDispatchRules([ruleId]), ruleCheckMs, () => 'timeout' as const);
      if (res === 'timeout') return { kind: 'unknown', ruleId, reason: 'LiveKit did not answer in time' };
      if (!res.ok) return { kind: 'unknown', ruleId, reason: describeFailure(res.failure) };
      const rule = res.value.find((r) => r.id === ruleId);
      if (!rule) return { kind: 'rule-not-found', ruleId };
      return rule.agents.includes(agent) ? { kind: 'ok', ruleId } : { kind: 'missing', ruleId, agents: rule.agents };
    } catch (err) {
      return { kind: 'unknown', ruleId, reason: (err as Error).message };
    }
  }

  function fold(cs: CallSession, view: InboundCallView): void {
    if (!cs.binding || !cs.noiseKey) return;
    cs.presentation = 'folded';
    if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
    cs.holdTimer = undefined;
    const channel = cs.binding.reportChannel;
    const current = notes.get(channel);
    const { note, fresh } = foldIntoNote(
      current?.note,
      {
        callerKey: cs.noiseKey,
        caller: view.phoneNumber ?? view.identity,
        ...(view.did ? { did: view.did } : {}),
        at: view.endedAt ?? nowMs(),
        ...(view.durationMs !== undefined ? { durationMs: view.durationMs } : {}),
      },
      notePeriodMs,
    );
    const content = noiseNoteMessage(note, noisePolicy);
    if (fresh || !current) notes.set(channel, { note, handle: slack().post(channel, content) });
    else {
      notes.set(channel, { note, handle: current.handle });
      slack().update(current.handle, content);
    }
  }

  async function reportUnbound(call: InboundCallView, trunkKey: string): Promise<void> {
    if (unboundClaimed.has(trunkKey)) return;
    unboundClaimed.add(trunkKey);
    const metaKey = `inbound.unbound.${trunkKey}`;
    if (await repos.meta.get(metaKey)) return;
    await repos.meta.set(metaKey, iso(call.joinedAt), now());
    const channel = config.summary.channel;
    logger.warn({ trunk: trunkKey, room: call.room, rule: call.ruleId }, 'inbound traffic on a trunk no binding owns');
    if (channel) slack().post(channel, unboundMessage(call, trunkKey));
  }

  function outcomeOf(cs: CallSession, view: InboundCallView): string {
    if (cs.presentation === 'unbound') return 'unbound';
    if (cs.presentation === 'folded') return 'noise';
    if (!view.ended) return view.agentJoined || view.joiners.length ? 'answered' : 'in-progress';
    if (view.agentJoined || view.joiners.length) return 'completed';
    return cs.binding?.agentName ? 'missed' : 'completed';
  }

  async function saveRecord(s: RoomSession, cs: CallSession, view: InboundCallView): Promise<void> {
    if (!cs.recordId || cs.presentation === 'ignored') return;
    const firstAgent = view.joiners.find((j) => j.kind === 'agent') ?? view.joiners[0];
    const detail: StoredDetail = {
      v: 1,
      callKey: cs.key,
      presentation: cs.presentation,
      replied: [...cs.confirmed],
      ...(view.trunkId ? { trunkId: view.trunkId } : {}),
      ...(view.ruleId ? { ruleId: view.ruleId } : {}),
      ...(view.callId ? { callId: view.callId } : {}),
      ...(cs.binding?.agentName ? { agentName: cs.binding.agentName } : {}),
      agents: view.joiners.filter((j) => j.kind === 'agent').map((j) => j.name || j.identity),
      media: view.media,
      agentMissing: view.agentMissing,
      roomState: s.state,
    };
    await repos.calls.update(cs.recordId, {
      startedAt: iso(view.joinedAt),
      caller: view.phoneNumber ?? view.identity,
      callee: view.did ?? null,
      agentJoined: view.agentJoined,
      answeredAt: firstAgent?.joinedAt !== undefined ? iso(firstAgent.joinedAt) : null,
      setupMs: view.agentDelayMs ?? null,
      endedAt: view.endedAt !== undefined ? iso(view.endedAt) : null,
      durationMs: view.durationMs ?? null,
      endReason: view.endReason ?? null,
      outcome: outcomeOf(cs, view),
      detail: detail as unknown as Record<string, unknown>,
    });
  }

  // ------------------------------------------------------------------ timers

  function reconcileTimers(s: RoomSession): void {
    let open = false;
    for (const cs of s.calls.values()) {
      const view = callView(s.state, cs.key);
      if (view && !view.ended) open = true;
      const wanted =
        view && cs.binding?.agentName && (cs.presentation === 'thread' || cs.presentation === 'held') ? agentDeadline(view, agentTimeoutMs) : undefined;
      if (wanted === cs.watchdogDeadline) continue;
      if (cs.watchdog !== undefined) timers.clearTimeout(cs.watchdog);
      cs.watchdog = undefined;
      cs.watchdogDeadline = wanted;
      if (wanted === undefined || stopped) continue;
      const delay = Math.min(Math.max(0, wanted - nowMs()), agentTimeoutMs);
      cs.watchdog = timers.setTimeout(() => {
        cs.watchdog = undefined;
        // In event time the watchdog fires at its deadline: an agent whose join (by its own timestamp)
        // came before it counts as in time, even when its webhook arrives after the timer.
        const ev: InboundEvent = { type: 'agent_timeout', at: wanted, room: { name: s.name, ...(s.sid ? { sid: s.sid } : {}) }, callKey: cs.key };
        void inflight.track(`inbound:${s.name}:watchdog`, queue.run(s.name, () => processEvent(ev)));
      }, delay);
    }
    // Ended rooms stay a while for late (reordered or retried) events; silent ones are dropped eventually.
    const done = s.state.finishedAt !== undefined && !open;
    if (s.evictTimer !== undefined) timers.clearTimeout(s.evictTimer);
    if (stopped) return;
    s.evictTimer = timers.setTimeout(
      () => {
        void queue.run(s.name, async () => {
          if (sessions.get(s.id) !== s) return;
          sessions.delete(s.id);
          clearCallTimers(s);
        });
      },
      done ? retainEndedMs : IDLE_ROOM_MS,
    );
  }

  function clearCallTimers(s: RoomSession): void {
    for (const cs of s.calls.values()) {
      if (cs.watchdog !== undefined) timers.clearTimeout(cs.watchdog);
      if (cs.holdTimer !== undefined) timers.clearTimeout(cs.holdTimer);
      cs.watchdog = undefined;
      cs.holdTimer = undefined;
    }
    if (s.evictTimer !== undefined) timers.clearTimeout(s.evictTimer);
    s.evictTimer = undefined;
  }

  async function pruneWebhookIds(): Promise<void> {
    try {
      const n = await webhookEvents.prune(new Date(nowMs() - webhookRetentionMs).toISOString());
      if (n) logger.debug({ pruned: n }, 'forgot old webhook event IDs');
    } catch (err) {
      logger.warn({ err }, 'pruning webhook event IDs failed');
    }
  }

  return {
    name: 'inbound',
    register(ctx: FeatureContext) {
      notifier = new PacedNotifier({
        chat: chatOf(ctx.notifyClient),
        intervalMs: opts.paceIntervalMs ?? 1100,
        ...(opts.notifierClock ? { clock: opts.notifierClock } : {}),
        ...(deps.store.engine === 'postgres' ? { sharedPacer: deps.repos.coordination.pacer } : {}),
        observe: (method, result) => deps.metrics.slackApiCalls.inc({ method, result }),
        onFailure: ({ method, channel, error }) =>
          logger.warn(
            { method, channel, error },
            error === 'not_in_channel' || error === 'channel_not_found'
              ? 'cannot post the inbound call report: invite the SIP Ops bot to the report channel'
              : 'a Slack call of the inbound call report failed',
          ),
      });
      ctx.addWebhookSink({ accept });
    },
    async start() {
      await pruneWebhookIds();
      const n = await dedupe.preload();
      if (n) logger.debug({ ids: n }, 'webhook event IDs of the last day loaded for de-duplication');
      const replayed = await replayUnprocessed();
      if (replayed) logger.warn({ events: replayed }, 'replaying LiveKit webhook events taken in before a stop but not processed');
      pruneTimer = setInterval(() => void pruneWebhookIds(), 3600_000);
      pruneTimer.unref();
    },
    async stop() {
      stopped = true;
      if (pruneTimer) clearInterval(pruneTimer);
      for (const s of sessions.values()) clearCallTimers(s);
      const n = notifier;
      // Finish what was accepted and deliver what is queued, within the app's drain bound.
      void inflight.track(
        'inbound:drain',
        (async () => {
          await dedupe.flush();
          await queue.idle();
          for (const s of sessions.values()) clearCallTimers(s);
          await n?.idle();
        })().catch((err: unknown) => logger.warn({ err }, 'inbound: draining at shutdown failed')),
      );
      inflight.onAbort(() => {
        notifierClosed = true;
        const dropped = n?.close() ?? 0;
        if (dropped) logger.warn({ dropped }, 'shutdown: Slack updates of inbound calls were dropped');
      });
    },
  };
}
