/**
 * The call record of an inbound call: its outcome, the columns a sync writes, and the detail kept in
 * `call_records.detail` to carry on its Slack thread after a restart (validated when read back).
 */
import { z } from 'zod';
import type { InboundCallView, RoomCallsState } from './inbound-call';

/** How a call is shown in Slack. */
export type Presentation = 'thread' | 'held' | 'folded' | 'unbound' | 'ignored';

const participantFacts = z.object({
  key: z.string(),
  sid: z.string(),
  identity: z.string(),
  name: z.string(),
  kind: z.enum(['sip', 'agent', 'standard', 'other']).exactOptional(),
  attributes: z.record(z.string(), z.string()),
  attrRank: z.number(),
  joinedAt: z.number().exactOptional(),
  leftAt: z.number().exactOptional(),
  disconnectReason: z.string().exactOptional(),
  aborted: z.boolean(),
  published: z.boolean(),
  answered: z.boolean(),
});

const roomCallsState = z.object({
  room: z.string(),
  roomSid: z.string().exactOptional(),
  startedAt: z.number().exactOptional(),
  finishedAt: z.number().exactOptional(),
  participants: z.record(z.string(), participantFacts),
  agentTimeouts: z.record(z.string(), z.number()),
  hasCaller: z.boolean().exactOptional(),
});

const storedDetailSchema = z.object({
  v: z.literal(1),
  callKey: z.string().min(1),
  presentation: z.enum(['thread', 'held', 'folded', 'unbound', 'ignored']),
  /** Reply milestones Slack has taken. */
  replied: z.array(z.string()),
  trunkId: z.string().optional(),
  ruleId: z.string().optional(),
  callId: z.string().optional(),
  agentName: z.string().optional(),
  agents: z.array(z.string()),
  media: z.boolean(),
  agentMissing: z.boolean(),
  roomState: roomCallsState,
});

/** What `call_records.detail` holds for an inbound call (version 1). */
export type StoredDetail = z.infer<typeof storedDetailSchema>;

// The schema must describe the reducer's state exactly: a change to one without the other fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const stateMatches: Same<z.infer<typeof roomCallsState>, RoomCallsState> = true;
void stateMatches;

export type StoredDetailRead = { ok: true; detail: StoredDetail } | { ok: false; reason: string };

/** Reads back a stored detail; `ok: false` with the reason when it is not a valid version-1 detail. */
export function parseStoredDetail(raw: unknown): StoredDetailRead {
  const res = storedDetailSchema.safeParse(raw);
  if (res.success) return { ok: true, detail: res.data };
  const issue = res.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid' };
}

/** What a sync knows of one call. */
export interface RecordedCall {
  key: string;
  presentation: Presentation;
  /** Reply milestones Slack has taken. */
  confirmed: Iterable<string>;
  agentName?: string;
}

/** The outcome column of a call record. */
export function callOutcome(presentation: Presentation, expectsAgent: boolean, view: InboundCallView): string {
  if (presentation === 'unbound') return 'unbound';
  if (presentation === 'folded') return 'noise';
  const someone = view.agentJoined || view.joiners.length > 0;
  if (!view.ended) return someone ? 'answered' : 'in-progress';
  if (someone) return 'completed';
  return expectsAgent ? 'missed' : 'completed';
}

/** How an ended inbound call went, as counted in `sipops_inbound_calls_total`. */
export const INBOUND_CALL_OUTCOMES = [
  'agent_joined',
  'no_agent',
  'ended_before_agent',
  'no_agent_expected',
  'unbound',
] as const;
export type InboundCallOutcome = (typeof INBOUND_CALL_OUTCOMES)[number];

/**
 * The outcome of an ended inbound call: matched no binding (`unbound`); its binding dispatches no
 * agent (`no_agent_expected`); no agent within the agent timeout, whether or not one came later
 * (`no_agent`); an agent in time (`agent_joined`); or the caller left before either (`ended_before_agent`).
 */
export function inboundCallOutcome(
  presentation: Presentation,
  expectsAgent: boolean,
  view: Pick<InboundCallView, 'agentJoined' | 'agentMissing'>,
): InboundCallOutcome {
  if (presentation === 'unbound') return 'unbound';
  if (!expectsAgent) return 'no_agent_expected';
  if (view.agentMissing) return 'no_agent';
  return view.agentJoined ? 'agent_joined' : 'ended_before_agent';
}

export function storedDetail(call: RecordedCall, view: InboundCallView, roomState: RoomCallsState): StoredDetail {
  return {
    v: 1,
    callKey: call.key,
    presentation: call.presentation,
    replied: [...call.confirmed],
    ...(view.trunkId ? { trunkId: view.trunkId } : {}),
    ...(view.ruleId ? { ruleId: view.ruleId } : {}),
    ...(view.callId ? { callId: view.callId } : {}),
    ...(call.agentName ? { agentName: call.agentName } : {}),
    agents: view.joiners.filter((j) => j.kind === 'agent').map((j) => j.name || j.identity),
    media: view.media,
    agentMissing: view.agentMissing,
    roomState,
  };
}

/** The columns of a call record after a sync (times as ISO strings). */
export interface InboundRecordPatch {
  startedAt: string;
  caller: string;
  callee: string | null;
  agentJoined: boolean;
  answeredAt: string | null;
  setupMs: number | null;
  endedAt: string | null;
  durationMs: number | null;
  endReason: string | null;
  outcome: string;
  detail: StoredDetail;
}

export function inboundRecordPatch(
  call: RecordedCall,
  view: InboundCallView,
  roomState: RoomCallsState,
  nowMs: number,
): InboundRecordPatch {
  const iso = (ms: number | undefined): string => new Date(ms ?? nowMs).toISOString();
  const firstAgent = view.joiners.find((j) => j.kind === 'agent') ?? view.joiners[0];
  return {
    startedAt: iso(view.joinedAt),
    caller: view.phoneNumber ?? view.identity,
    callee: view.did ?? null,
    agentJoined: view.agentJoined,
    answeredAt: firstAgent?.joinedAt !== undefined ? iso(firstAgent.joinedAt) : null,
    setupMs: view.agentDelayMs ?? null,
    endedAt: view.endedAt !== undefined ? iso(view.endedAt) : null,
    durationMs: view.durationMs ?? null,
    endReason: view.endReason ?? null,
    outcome: callOutcome(call.presentation, call.agentName !== undefined, view),
    detail: storedDetail(call, view, roomState),
  };
}
