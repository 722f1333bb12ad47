/**
 * Loopback test calls: the binding dials one of its own DIDs through its outbound trunk, the call leaves
 * through Sinch EST and comes back in through the inbound trunk and dispatch rule to the agent. Pure:
 * parsing the command, matching the inbound leg, and the per-stage verdict with its timings and likely
 * causes. The feature measures; this decides.
 *
 * Stage order follows what really happens: livekit-sip answers an inbound INVITE only once a participant
 * (the agent) subscribed to it (livekit/sip `pkg/sip/inbound.go`: the caller's participant is "ringing"
 * until then), so the outbound leg is answered after the agent joined, not before the inbound leg is seen.
 */
import { estStaticEndpoint, type Binding } from './binding';
import { normalizeNumber, parseE164 } from './e164';
import type { LiveKitFailure } from './livekit-failure';
import { diagnose, type Diagnosis, type DiagnosisContext } from './sip-diagnosis';
import { formatDuration } from './test-call';

export type LoopbackStage = 'dial' | 'inbound' | 'routing' | 'agent' | 'answer' | 'tracks';

export const LOOPBACK_STAGES: readonly LoopbackStage[] = ['dial', 'inbound', 'routing', 'agent', 'answer', 'tracks'];

export const LOOPBACK_STAGE_LABEL: Record<LoopbackStage, string> = {
  dial: 'outbound leg placed',
  inbound: 'inbound leg seen in LiveKit',
  routing: "inbound leg in the binding's trunk and rule",
  agent: 'agent joined',
  answer: 'outbound leg answered',
  tracks: 'audio tracks published on both sides',
};

// ------------------------------------------------------------------------------ command

export interface LoopbackArgs {
  binding: string;
  /** The DID named by the user (E.164), or undefined for the binding's first DID. */
  did?: string;
}

export const LOOPBACK_USAGE = '/sip-test-call <binding> loopback [did]';

/** `<binding> loopback [did]`; `undefined` when the text is not a loopback request. */
export function parseLoopbackText(
  text: string,
): { ok: true; value: LoopbackArgs } | { ok: false; error: string } | undefined {
  const tokens = text
    .replace(/<tel:([^|>]*)(?:\|[^>]*)?>/gi, '$1')
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  if (tokens.length < 2 || tokens[1]!.toLowerCase() !== 'loopback') return undefined;
  const binding = tokens[0]!.toLowerCase();
  if (tokens.length === 2) return { ok: true, value: { binding } };
  const num = parseE164(tokens.slice(2).join(' '));
  if (!num.ok) return { ok: false, error: num.error };
  return { ok: true, value: { binding, did: num.value } };
}

/** The DID to dial: the one named (it must be the binding's own) or the first. */
export function loopbackDid(
  binding: Pick<Binding, 'name' | 'dids'>,
  named: string | undefined,
): { ok: true; did: string } | { ok: false; error: string } {
  if (named === undefined) {
    const first = binding.dids[0];
    return first
      ? { ok: true, did: first }
      : { ok: false, error: `The binding \`${binding.name}\` has no DID to call back.` };
  }
  const own = binding.dids.find((d) => normalizeNumber(d) === normalizeNumber(named));
  if (!own)
    return {
      ok: false,
      error: `${named} is not a DID of \`${binding.name}\` (its DIDs: ${binding.dids.join(', ')}). A loopback only dials the binding's own numbers.`,
    };
  return { ok: true, did: own };
}

/**
 * The caller ID must be an E.164 number the binding owns (one of its DIDs): EST presents it to the
 * inbound side, where the loopback recognises its own leg by it, and EST refuses caller IDs not on the trunk.
 */
export function loopbackCallerIdProblem(binding: Pick<Binding, 'name' | 'callerId' | 'dids'>): string | undefined {
  const parsed = parseE164(binding.callerId);
  if (!parsed.ok)
    return `The caller ID of \`${binding.name}\` (${binding.callerId || 'none'}) is not an E.164 number: ${parsed.error}`;
  if (!binding.dids.some((d) => normalizeNumber(d) === normalizeNumber(parsed.value))) {
    return `The caller ID of \`${binding.name}\` (${parsed.value}) is not one of its own numbers (${binding.dids.join(', ')}); a loopback only presents a number the binding owns.`;
  }
  return undefined;
}

// ------------------------------------------------------------------------------ claiming the inbound leg

/** What a loopback waits for: the SIP caller of an inbound call from its caller ID to its DID. */
export interface LoopbackExpectation {
  callerId: string;
  did: string;
  /** The outbound leg was placed at this time (epoch ms); a leg seen before it is not this loopback's. */
  placedAtMs: number;
  /** How long after placing an inbound leg may still be this one's. */
  windowMs: number;
}

/** An inbound SIP caller as the webhooks show it (the `sip.*` attributes). */
export interface InboundLegFacts {
  room: string;
  identity: string;
  callId?: string;
  phoneNumber?: string;
  trunkPhoneNumber?: string;
  trunkId?: string;
  ruleId?: string;
  atMs: number;
  /** A leg with `sip.callID` equal to an outbound leg's is that outbound leg, never an inbound one. */
  outboundCallIds?: readonly string[];
}

/**
 * Whether an inbound SIP caller is the leg a loopback waits for: caller = the binding's caller ID (hidden
 * numbers never match: the leg is then treated as a customer's), within the time window, and not the
 * outbound leg itself.
 */
export function isLoopbackLeg(exp: LoopbackExpectation, leg: InboundLegFacts): boolean {
  if (!leg.phoneNumber) return false;
  if (leg.callId && leg.outboundCallIds?.includes(leg.callId)) return false;
  if (normalizeNumber(leg.phoneNumber) !== normalizeNumber(exp.callerId)) return false;
  // The called number is not required to be the DID: EST may deliver the call to another number, and
  // that leg is still this loopback's (the verdict then names where it landed).
  return leg.atMs >= exp.placedAtMs && leg.atMs <= exp.placedAtMs + exp.windowMs;
}

/** Among several waiting loopbacks from the same caller ID, the one whose DID was called is the better claim. */
export function calledTheDid(exp: LoopbackExpectation, leg: InboundLegFacts): boolean {
  return leg.trunkPhoneNumber !== undefined && normalizeNumber(leg.trunkPhoneNumber) === normalizeNumber(exp.did);
}

// ------------------------------------------------------------------------------ verdict

/** What the feature observed, in ms since dialing began. */
export interface LoopbackObservation {
  /** The outbound leg ended without an answer (the classified LiveKit failure). */
  dialFailure?: LiveKitFailure;
  answeredMs?: number;
  inbound?: { seenMs: number; room: string; trunkId?: string; ruleId?: string; callId?: string; called?: string };
  agentJoinedMs?: number;
  tracks: { outboundMs?: number; inboundMs?: number; agentMs?: number };
  totalMs: number;
}

/** What the binding expects, and names for whatever LiveKit resources the leg landed on instead. */
export interface LoopbackContext {
  binding: Pick<Binding, 'name' | 'agentName' | 'livekitSipHost' | 'transport' | 'trunkDomain'> & {
    inboundTrunkId?: string;
    dispatchRuleId?: string;
  };
  did: string;
  callerId: string;
  timeoutSec: number;
  diagnosis: DiagnosisContext;
  /** Names of the trunk / rule the inbound leg landed on, when not the binding's (looked up by the feature). */
  landedOn?: { trunkName?: string; ruleName?: string; ownerBinding?: string };
  /** Lines from the EST side (e.g. its call record or number assignment), when a Sinch hook provides them. */
  estEvidence?: string[];
}

export interface StageResult {
  stage: LoopbackStage;
  ok: boolean;
  /** Time from dialing (or the stage's own measure, see `timings`). */
  atMs: number | null;
}

export interface LoopbackTimings {
  /** Dial → outbound answered. */
  answerMs: number | null;
  /** Dial → inbound leg seen (post-dial delay to the inbound side). */
  postDialMs: number | null;
  /** Inbound leg seen → agent joined. */
  agentMs: number | null;
  /** Dial → last of the three audio tracks. */
  tracksMs: number | null;
  totalMs: number;
}

/** The outcome column of a loopback's call record (and its metric label). */
export const LOOPBACK_OUTCOMES = ['passed', 'failed'] as const;
export type LoopbackOutcome = (typeof LOOPBACK_OUTCOMES)[number];

export function loopbackOutcome(v: Pick<LoopbackVerdict, 'ok'>): LoopbackOutcome {
  return v.ok ? 'passed' : 'failed';
}

export interface LoopbackVerdict {
  ok: boolean;
  failedStage?: LoopbackStage;
  stages: StageResult[];
  timings: LoopbackTimings;
  /** One line: `loopback passed` or what failed. */
  summary: string;
  /** The likely causes of the failure, most likely first. */
  causes: string[];
  /** The SIP diagnosis of a refused outbound leg. */
  diagnosis?: Diagnosis;
}

/** SIP answers that mean "the carrier did not get the call to a destination", as opposed to refusing our trunk. */
const NOT_DELIVERED_STATUSES = new Set([404, 408, 410, 480, 484, 487, 604]);

function notDelivered(f: LiveKitFailure | undefined): boolean {
  if (!f) return true;
  if (f.kind === 'ringing-timeout') return true;
  return f.kind === 'sip-status' && NOT_DELIVERED_STATUSES.has(f.sipStatus);
}

function timings(o: LoopbackObservation): LoopbackTimings {
  const t = o.tracks;
  const tracksMs =
    t.outboundMs !== undefined && t.inboundMs !== undefined && t.agentMs !== undefined
      ? Math.max(t.outboundMs, t.inboundMs, t.agentMs)
      : null;
  return {
    answerMs: o.answeredMs ?? null,
    postDialMs: o.inbound?.seenMs ?? null,
    agentMs: o.inbound && o.agentJoinedMs !== undefined ? Math.max(0, o.agentJoinedMs - o.inbound.seenMs) : null,
    tracksMs,
    totalMs: o.totalMs,
  };
}

function stageResults(o: LoopbackObservation, failed: LoopbackStage | undefined): StageResult[] {
  const at: Record<LoopbackStage, number | undefined> = {
    dial: 0,
    inbound: o.inbound?.seenMs,
    routing: o.inbound?.seenMs,
    agent: o.agentJoinedMs,
    answer: o.answeredMs,
    tracks: timings(o).tracksMs ?? undefined,
  };
  const failedAt = failed ? LOOPBACK_STAGES.indexOf(failed) : LOOPBACK_STAGES.length;
  return LOOPBACK_STAGES.map((stage, i) => ({
    stage,
    ok: i < failedAt,
    atMs: i < failedAt ? (at[stage] ?? null) : null,
  }));
}

function failedAt(o: LoopbackObservation, ctx: LoopbackContext): LoopbackStage | undefined {
  if (!o.inbound) return notDelivered(o.dialFailure) ? 'inbound' : 'dial';
  const b = ctx.binding;
  if (
    (b.inboundTrunkId && o.inbound.trunkId !== b.inboundTrunkId) ||
    (b.dispatchRuleId && o.inbound.ruleId !== b.dispatchRuleId)
  )
    return 'routing';
  if (b.agentName && o.agentJoinedMs === undefined) return 'agent';
  if (o.answeredMs === undefined) return 'answer';
  const t = o.tracks;
  if (t.outboundMs === undefined || t.inboundMs === undefined || (b.agentName && t.agentMs === undefined))
    return 'tracks';
  return undefined;
}

function notRoutedBackCauses(o: LoopbackObservation, ctx: LoopbackContext): string[] {
  const b = ctx.binding;
  const outcome = o.dialFailure
    ? 'the outbound leg ended without an answer'
    : 'the outbound leg was answered, but not by this LiveKit';
  return [
    `${outcome} and no call from ${ctx.callerId} to ${ctx.did} reached LiveKit within ${ctx.timeoutSec} s: EST routes the DID elsewhere.`,
    `EST number assignment: ${ctx.did} must be assigned to the EST trunk \`${b.trunkDomain}\` (an unassigned number is not routed to any trunk).`,
    `EST endpoint: the trunk's static endpoint must be \`${estStaticEndpoint(b)}\` (LiveKit's SIP host); another endpoint sends the call elsewhere.`,
    ...(ctx.estEvidence ?? []),
  ];
}

function routingCauses(o: LoopbackObservation, ctx: LoopbackContext): string[] {
  const b = ctx.binding;
  const inb = o.inbound!;
  const lines: string[] = [];
  const on = ctx.landedOn;
  if (b.inboundTrunkId && inb.trunkId !== b.inboundTrunkId) {
    const name = on?.trunkName ? ` (${on.trunkName}${on.ownerBinding ? `, binding \`${on.ownerBinding}\`` : ''})` : '';
    lines.push(
      `The inbound leg came in on trunk ${inb.trunkId ? `\`${inb.trunkId}\`${name}` : 'none (no trunk matched)'}, not the binding's \`${b.inboundTrunkId}\`: that trunk also claims ${inb.called ?? ctx.did} or its caller, or EST delivered the call to another number.`,
    );
  }
  if (b.dispatchRuleId && inb.ruleId !== b.dispatchRuleId) {
    const name = on?.ruleName ? ` (${on.ruleName})` : '';
    lines.push(
      `Dispatch rule ${inb.ruleId ? `\`${inb.ruleId}\`${name}` : 'none'} took the call instead of the binding's \`${b.dispatchRuleId}\`: a rule with a higher priority matches the same trunk and numbers.`,
    );
  }
  lines.push(
    `It landed in room \`${inb.room}\`; \`/sip-setup show ${b.name}\` shows conflicts with other trunks and rules.`,
  );
  return lines;
}

function agentCauses(ctx: LoopbackContext): string[] {
  const agent = ctx.binding.agentName ?? 'agent';
  return [
    `The dispatch rule must list \`${agent}\` in \`roomConfig.agents\`; otherwise no job is created.`,
    `A worker must be running and registered as \`agent_name="${agent}"\` on this LiveKit (its log shows \`registered worker\` and \`received job request\`).`,
    'Named vs automatic dispatch: a worker with an agent name is only dispatched by name; both sides must use the same name.',
  ];
}

function causesFor(stage: LoopbackStage, o: LoopbackObservation, ctx: LoopbackContext): string[] {
  switch (stage) {
    case 'dial':
      return [];
    case 'inbound':
      return notRoutedBackCauses(o, ctx);
    case 'routing':
      return routingCauses(o, ctx);
    case 'agent':
      return agentCauses(ctx);
    case 'answer':
      return [
        "The agent joined but the outbound leg was not answered before the ringing timeout: livekit-sip answers once the agent subscribes to the caller's audio; check that the agent subscribes.",
      ];
    case 'tracks':
      return [
        'A leg published no audio track: the agent must publish its audio, and both SIP bridges publish once their call is answered (check media encryption / SRTP on both trunks).',
      ];
  }
}

const FAILED_SUMMARY: Record<LoopbackStage, string> = {
  dial: 'outbound leg refused',
  inbound: 'the DID was not routed back to LiveKit',
  routing: 'the inbound leg landed on another trunk or rule',
  agent: 'no agent joined the inbound leg',
  answer: 'the outbound leg was never answered',
  tracks: 'audio tracks missing',
};

export function loopbackVerdict(o: LoopbackObservation, ctx: LoopbackContext): LoopbackVerdict {
  const failed = failedAt(o, ctx);
  const base = { stages: stageResults(o, failed), timings: timings(o) };
  if (!failed) return { ok: true, ...base, summary: 'loopback passed', causes: [] };
  const diagnosis = failed === 'dial' && o.dialFailure ? diagnose(o.dialFailure, ctx.diagnosis) : undefined;
  return {
    ok: false,
    failedStage: failed,
    ...base,
    summary: `loopback failed at "${LOOPBACK_STAGE_LABEL[failed]}": ${FAILED_SUMMARY[failed]}`,
    causes: diagnosis ? [diagnosis.cause, ...diagnosis.nextSteps] : causesFor(failed, o, ctx),
    ...(diagnosis ? { diagnosis } : {}),
  };
}

/** `answer 1.20 s · post-dial 310 ms · agent 420 ms · tracks 1.25 s · total 1.60 s` (stages reached only). */
export function formatLoopbackTimings(t: LoopbackTimings): string {
  const parts: string[] = [];
  if (t.answerMs !== null) parts.push(`answer ${formatDuration(t.answerMs)}`);
  if (t.postDialMs !== null) parts.push(`post-dial ${formatDuration(t.postDialMs)}`);
  if (t.agentMs !== null) parts.push(`agent ${formatDuration(t.agentMs)}`);
  if (t.tracksMs !== null) parts.push(`tracks ${formatDuration(t.tracksMs)}`);
  parts.push(`total ${formatDuration(t.totalMs)}`);
  return parts.join(' · ');
}

// ------------------------------------------------------------------------------ daily health run

/** The meta key holding the bindings whose loopback runs with the daily health run (JSON list of names). */
export const LOOPBACK_DAILY_KEY = 'loopback.daily';

export function parseDailySet(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function withDaily(set: readonly string[], binding: string, on: boolean): string[] {
  const rest = set.filter((b) => b !== binding);
  return on ? [...rest, binding].sort() : rest;
}

/** The last loopback of a binding, as the calls table holds it. */
export interface LastLoopback {
  outcome: string;
  startedAt: string;
  detail: Record<string, unknown> | null;
}

export interface LoopbackFinding {
  check: 'loopback.daily';
  status: 'pass' | 'warn' | 'fail';
  title: string;
  evidence: string;
  nextStep?: string;
}

/** The health finding of a binding with daily loopbacks on: its last loopback, timed stage by stage. */
export function loopbackFinding(binding: string, last: LastLoopback | undefined): LoopbackFinding {
  if (!last) {
    return {
      check: 'loopback.daily',
      status: 'warn',
      title: 'No loopback recorded yet',
      evidence: `Daily loopbacks are on for ${binding}, but none has run yet.`,
      nextStep: `Run /sip-test-call ${binding} loopback, or wait for the next daily run.`,
    };
  }
  const d = last.detail ?? {};
  const t = d['timings'] as Partial<LoopbackTimings> | undefined;
  const timings =
    t && typeof t.totalMs === 'number'
      ? formatLoopbackTimings({
          answerMs: t.answerMs ?? null,
          postDialMs: t.postDialMs ?? null,
          agentMs: t.agentMs ?? null,
          tracksMs: t.tracksMs ?? null,
          totalMs: t.totalMs,
        })
      : 'no timings';
  if (last.outcome === 'passed')
    return {
      check: 'loopback.daily',
      status: 'pass',
      title: 'Loopback passed',
      evidence: `${last.startedAt}: ${timings}.`,
    };
  const causes = Array.isArray(d['causes'])
    ? (d['causes'] as unknown[]).filter((c): c is string => typeof c === 'string')
    : [];
  const summary = typeof d['summary'] === 'string' ? d['summary'] : 'loopback failed';
  return {
    check: 'loopback.daily',
    status: 'fail',
    title: `Loopback failed: ${summary.replace(/^loopback failed at /, '')}`,
    evidence: `${last.startedAt}: ${timings}.${causes[0] ? ` ${causes[0]}` : ''}`,
    nextStep: causes[1] ?? `Run /sip-test-call ${binding} loopback for the full diagnosis.`,
  };
}
