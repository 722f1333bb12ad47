/**
 * The health-check engine: every binding checked end to end against one LiveKit snapshot,
 * the DNS and SIP OPTIONS probe results and the last 24 hours of call records. Pure: the edge
 * (`src/features/health/`) gathers the inputs (see `probeTargetsFor`) and renders the report.
 *
 * Texts are plain (no Slack markup); callers escape them. Evidence names concrete values
 * (IDs, numbers, hosts); every warn/fail carries a `nextStep` naming the concrete fix.
 */
import type { Binding, BindingSpec } from './binding';
import { DEFAULT_ROOM_PREFIX } from './binding';
import { driftOf, RESOURCE_LABEL, ruleKindFor } from './binding-resources';
import { findInboundTrunkConflicts } from './conflicts';
import { normalizeNumber } from './e164';
import type { LiveKitFailure } from './livekit-failure';
import { describeFailure } from './livekit-failure';
import type { DispatchRule, DispatchRuleKind, InboundTrunk, LiveKitSnapshot, OutboundTrunk } from './livekit-model';
import { parseManagedTag } from './livekit-model';
import type { DnsProbeResult, OptionsProbeResult, OptionsTarget } from './probes';
import { defaultSipPort } from './probes';
import { explainRoute } from './route-match';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  /** Stable ID, e.g. `inbound-trunk.exists`; the same check keeps the same ID across runs. */
  check: string;
  status: CheckStatus;
  title: string;
  evidence: string;
  /** Set for every warn and fail. */
  nextStep?: string;
}

/** The fields of a call record the checks read (the store's `CallRecord` satisfies it). */
export interface CallStat {
  direction: 'inbound' | 'test' | 'loopback';
  bindingName: string | null;
  startedAt: string; // ISO
  answeredAt: string | null;
  agentJoined: boolean;
  sipStatus: number | null;
  /** in-progress | answered | failed | completed | missed … */
  outcome: string;
  setupMs: number | null;
}

export type LiveKitRead = { ok: true; snapshot: LiveKitSnapshot } | { ok: false; failure: LiveKitFailure };

export interface HealthInput {
  livekit: LiveKitRead;
  /** Length of LIVEKIT_API_SECRET (the secret itself never enters the checks). */
  apiSecretLength: number;
  bindings: Binding[];
  /** DNS results by host name. */
  dns: Record<string, DnsProbeResult>;
  /** OPTIONS results by `optionsKey(target)`. */
  options: Record<string, OptionsProbeResult>;
  /** Call records of the last 24 hours (older ones are ignored). */
  calls: CallStat[];
  now: Date;
}

export interface RouteLine {
  did: string;
  /** True when the DID reaches this binding's own dispatch rule. */
  ok: boolean;
  text: string;
}

export interface BindingStats {
  /** Inbound calls in the window. */
  inboundCalls: number;
  /** Inbound calls an agent joined. */
  agentJoined: number;
  /** agentJoined / inboundCalls (0..1); null without inbound calls. */
  agentJoinRate: number | null;
  testCalls: number;
  /** Test calls answered. */
  answered: number;
  /** Median call setup time over calls (inbound and test) that recorded one; null without any. */
  medianSetupMs: number | null;
  /** Finished, unanswered calls by SIP status code (`"none"` when no SIP status was recorded). */
  failuresBySipCode: Record<string, number>;
}

export interface BindingReport {
  name: string;
  /** The worst status of its findings. */
  status: CheckStatus;
  findings: Finding[];
  routes: RouteLine[];
  stats: BindingStats;
}

export interface HealthReport {
  global: Finding[];
  bindings: BindingReport[];
  /** The EST side as Sinch reports it (absent in runs that did not look). */
  est?: EstReport;
}

/** Per binding: calls EST handled for its trunk over the window, and EST's failures by call result. */
export interface EstBindingTally {
  estCalls: number;
  failuresByResult: Record<string, number>;
}

export type EstReport =
  | { managed: false; note: string }
  | { managed: true; perBinding: Record<string, EstBindingTally>; historyApiCalls: number };

/** LiveKit requires API secrets of at least 32 characters. */
export const MIN_API_SECRET_LENGTH = 32;
/** The caller number used when explaining routes. */
export const SAMPLE_CALLER = '+15550100000';
const CALLER_PLACEHOLDER = '<caller>';
const DAY_MS = 24 * 60 * 60 * 1000;
const E164 = /^\+[1-9]\d{7,14}$/;

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worstStatus(statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'pass');
}

// --------------------------------------------------------------------------------- probe plan

/** The key of an OPTIONS result in `HealthInput.options`, e.g. `udp:acme.pstn.sinch.com:5060`. */
export function optionsKey(target: OptionsTarget): string {
  return `${target.transport}:${target.host.toLowerCase()}:${target.port ?? defaultSipPort(target.transport)}`;
}

type ProbeRole = 'est' | 'livekit';

function probePlan(
  b: Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport'>,
): Array<{ role: ProbeRole; target: OptionsTarget }> {
  return [
    { role: 'est', target: { host: b.trunkDomain, transport: b.transport } },
    { role: 'livekit', target: { host: b.livekitSipHost, transport: b.transport } },
  ];
}

/** What the edge must probe for a binding: DNS for both hosts, OPTIONS to EST and to LiveKit SIP. */
export function probeTargetsFor(binding: Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport'>): {
  dnsHosts: string[];
  options: OptionsTarget[];
} {
  return {
    dnsHosts: [...new Set([binding.trunkDomain, binding.livekitSipHost])],
    options: probePlan(binding).map((p) => p.target),
  };
}

// ------------------------------------------------------------------------------------- engine

export function runChecks(input: HealthInput): HealthReport {
  return {
    global: globalChecks(input),
    bindings: input.bindings.map((b) => bindingReport(b, input)),
  };
}

function finding(check: string, status: CheckStatus, title: string, evidence: string, nextStep?: string): Finding {
  return nextStep === undefined ? { check, status, title, evidence } : { check, status, title, evidence, nextStep };
}
const pass = (check: string, title: string, evidence: string): Finding => finding(check, 'pass', title, evidence);
const warn = (check: string, title: string, evidence: string, nextStep: string): Finding =>
  finding(check, 'warn', title, evidence, nextStep);
const fail = (check: string, title: string, evidence: string, nextStep: string): Finding =>
  finding(check, 'fail', title, evidence, nextStep);

function globalChecks(input: HealthInput): Finding[] {
  const out: Finding[] = [];
  if (input.livekit.ok) {
    const s = input.livekit.snapshot;
    out.push(
      pass(
        'livekit.api',
        'LiveKit API reachable, credentials accepted',
        `Listed ${s.inboundTrunks.length} inbound trunk(s), ${s.outboundTrunks.length} outbound trunk(s), ${s.dispatchRules.length} dispatch rule(s).`,
      ),
    );
    const catchAll = catchAllRuleFinding(s);
    if (catchAll) out.push(catchAll);
    const orphans = orphanedResourcesFinding(s, input.bindings);
    if (orphans) out.push(orphans);
  } else {
    const f = input.livekit.failure;
    out.push(
      fail('livekit.api', `LiveKit API check failed: ${describeFailure(f)}`, failureEvidence(f), livekitNextStep(f)),
    );
  }
  if (input.apiSecretLength >= MIN_API_SECRET_LENGTH) {
    out.push(
      pass(
        'livekit.api-secret',
        'LiveKit API secret is long enough',
        `LIVEKIT_API_SECRET has ${input.apiSecretLength} characters (32 or more required).`,
      ),
    );
  } else {
    out.push(
      warn(
        'livekit.api-secret',
        'LiveKit API secret is too short',
        `LIVEKIT_API_SECRET has ${input.apiSecretLength} characters; LiveKit requires at least ${MIN_API_SECRET_LENGTH}.`,
        'Generate a secret of 32+ characters (e.g. openssl rand -base64 48), put it in the keys of livekit.yaml and in LIVEKIT_API_SECRET, then restart both.',
      ),
    );
  }
  return out;
}

/**
 * Rules without trunk IDs also take calls that no trunk matched (livekit/livekit `pkg/service/ioservice_sip.go`
 * returns no trunk, not an error; protocol `sip/sip.go` applies rules without trunk IDs then). Such calls skip
 * every trunk's allowed addresses, allowed numbers and digest auth. Only a wildcard trunk with no address or
 * number filter would catch them first (its own auth then applies).
 */
export function catchAllRuleFinding(s: LiveKitSnapshot): Finding | undefined {
  const rules = s.dispatchRules.filter((r) => r.trunkIds.length === 0);
  if (rules.length === 0) return undefined;
  const openWildcard = s.inboundTrunks.find(
    (t) => t.numbers.length === 0 && t.allowedNumbers.length === 0 && t.allowedAddresses.length === 0,
  );
  if (openWildcard) return undefined;
  const list = rules
    .map((r) => `"${r.name}" (${r.id})${r.numbers.length ? ` for called ${r.numbers.join(', ')}` : ''}`)
    .join(', ');
  return warn(
    'dispatch-rule.catch-all',
    `${rules.length} dispatch rule(s) for all trunks catch calls to numbers no trunk lists`,
    `Rule(s) ${list} have no trunk IDs. When no inbound trunk matches a call (number not listed, caller or source address not allowed), LiveKit goes on without a trunk and these rules still route it: no trunk's allowed addresses or digest auth are checked.`,
    `Give each rule the trunk IDs it serves (lk sip dispatch update --id <rule> --trunks <trunk>), or re-apply the binding that owns it.`,
  );
}

/** A LiveKit resource tagged as managed by SIP Ops that no binding owns. */
export interface OrphanedResource {
  kind: 'inbound' | 'rule' | 'outbound';
  id: string;
  name: string;
  /** The binding name in its tag. */
  taggedBinding: string;
}

/**
 * Resources whose metadata says SIP Ops manages them for a binding, but that no stored binding
 * references: left behind when the database was lost or restored from an old copy, or by a
 * change that was cut off before it could record them.
 */
export function findOrphanedResources(s: LiveKitSnapshot, bindings: Binding[]): OrphanedResource[] {
  const owned = new Set(
    bindings.flatMap((b) => [b.resources.inboundTrunkId, b.resources.dispatchRuleId, b.resources.outboundTrunkId]),
  );
  const out: OrphanedResource[] = [];
  const visit = (kind: OrphanedResource['kind'], r: { id: string; name: string; metadata: string }): void => {
    const tag = parseManagedTag(r.metadata);
    if (tag && !owned.has(r.id)) out.push({ kind, id: r.id, name: r.name, taggedBinding: tag.binding });
  };
  for (const t of s.inboundTrunks) visit('inbound', t);
  for (const r of s.dispatchRules) visit('rule', r);
  for (const t of s.outboundTrunks) visit('outbound', t);
  return out;
}

const LK_DELETE: Record<OrphanedResource['kind'], string> = {
  inbound: 'lk sip inbound delete',
  rule: 'lk sip dispatch delete',
  outbound: 'lk sip outbound delete',
};

/** The orphans of one tagged binding name: the import that adopts them, or the commands that delete them. */
function orphanGroupText(name: string, group: OrphanedResource[], taken: boolean): string {
  const ids = group.map((o) => `${o.kind} ${o.id}`).join(', ');
  const one = (k: OrphanedResource['kind']) => group.filter((o) => o.kind === k);
  const adoptable = one('inbound').length <= 1 && one('rule').length <= 1 && one('outbound').length <= 1;
  const importName = taken ? `${name}-restored` : name;
  const args = (['inbound', 'rule', 'outbound'] as const)
    .map((k) => (one(k)[0] ? ` ${k}=${one(k)[0]!.id}` : ''))
    .join('');
  const adopt = adoptable
    ? `adopt with /sip-setup import ${importName}${args}`
    : 'more than one resource of a kind: adopt one set with /sip-setup import';
  const del = group.map((o) => `${LK_DELETE[o.kind]} ${o.id}`).join('; ');
  return `tagged "${name}"${taken ? ' (a binding of that name now owns other resources)' : ''}: ${ids}. To keep them, ${adopt}; to remove them: ${del}.`;
}

export function orphanedResourcesFinding(s: LiveKitSnapshot, bindings: Binding[]): Finding | undefined {
  const orphans = findOrphanedResources(s, bindings);
  if (orphans.length === 0) return undefined;
  const names = new Set(bindings.map((b) => b.name));
  const byName = new Map<string, OrphanedResource[]>();
  for (const o of orphans) byName.set(o.taggedBinding, [...(byName.get(o.taggedBinding) ?? []), o]);
  const groups = [...byName.entries()].map(([name, group]) => orphanGroupText(name, group, names.has(name)));
  return warn(
    'livekit.orphaned-resources',
    `${orphans.length} LiveKit resource(s) tagged as managed by SIP Ops belong to no binding`,
    `Resources ${groups.join(' ')}`,
    'Adopt each set with the /sip-setup import shown (it checks them like the form), or delete them with the lk commands shown. If a change to that binding is running right now, wait for it and run the check again.',
  );
}

function failureEvidence(f: LiveKitFailure): string {
  const desc = describeFailure(f);
  return f.message && f.message !== desc ? `${desc} (${f.kind}: ${f.message})` : `${desc} (${f.kind})`;
}

function livekitNextStep(f: LiveKitFailure): string {
  switch (f.kind) {
    case 'auth':
      return f.reason === 'missing-grant'
        ? 'Use an API key with admin rights on this LiveKit server (SIP Ops needs the sip admin and room admin grants).'
        : 'Check LIVEKIT_API_KEY and LIVEKIT_API_SECRET match a key pair in livekit.yaml, and that the SIP Ops host clock is in sync.';
    case 'unreachable':
    case 'request-timeout':
      return 'Check LIVEKIT_URL and that livekit-server is running and reachable from the SIP Ops host (firewall, TLS certificate, DNS).';
    case 'unsupported':
      return 'LIVEKIT_URL does not serve the LiveKit SIP API: point it at livekit-server (not livekit-sip) and check the server version.';
    case 'no-sip-service':
      return 'Start livekit-sip and make sure it uses the same Redis as livekit-server.';
    default:
      return 'Check the livekit-server logs for this error, then run the health check again.';
  }
}

function bindingReport(b: Binding, input: HealthInput): BindingReport {
  const findings: Finding[] = [];
  let routes: RouteLine[] = [];
  if (input.livekit.ok) {
    const lk = livekitChecks(b, input.livekit.snapshot, input.bindings);
    findings.push(...lk.findings);
    routes = lk.routes;
  } else {
    const f = input.livekit.failure;
    findings.push(
      fail(
        'livekit.unreachable',
        `LiveKit checks not run: ${describeFailure(f)}`,
        `Could not read the LiveKit SIP resources of ${b.name} (inbound trunk ${b.resources.inboundTrunkId ?? '(none)'}, dispatch rule ${b.resources.dispatchRuleId ?? '(none)'}, outbound trunk ${b.resources.outboundTrunkId ?? '(none)'}): ${failureEvidence(f)}.`,
        livekitNextStep(f),
      ),
    );
  }
  findings.push(...dnsChecks(b, input.dns));
  findings.push(...optionsChecks(b, input.options));
  const calls = callsInWindow(b.name, input.calls, input.now);
  const stats = statsOf(calls);
  findings.push(...statsChecks(b, calls, stats));
  return { name: b.name, status: worstStatus(findings.map((f) => f.status)), findings, routes, stats };
}

// ------------------------------------------------------------------------------ LiveKit checks

const reapply = (b: Binding): string => `/sip-setup ${b.name}`;

function livekitChecks(b: Binding, s: LiveKitSnapshot, all: Binding[]): { findings: Finding[]; routes: RouteLine[] } {
  const out: Finding[] = [];
  const inbound = findById(s.inboundTrunks, b.resources.inboundTrunkId);
  const rule = findById(s.dispatchRules, b.resources.dispatchRuleId);
  const outbound = findById(s.outboundTrunks, b.resources.outboundTrunkId);

  out.push(existsCheck(b, 'inbound-trunk', 'Inbound trunk', b.resources.inboundTrunkId, inbound, s.inboundTrunks));
  if (inbound) out.push(inboundNumbersCheck(b, inbound));
  out.push(conflictsCheck(b, inbound, s.inboundTrunks));

  out.push(existsCheck(b, 'dispatch-rule', 'Dispatch rule', b.resources.dispatchRuleId, rule, s.dispatchRules));
  if (rule) {
    out.push(ruleTrunkCheck(b, rule));
    out.push(ruleTypeCheck(b, rule));
    out.push(ruleAgentCheck(b, rule));
  }

  out.push(existsCheck(b, 'outbound-trunk', 'Outbound trunk', b.resources.outboundTrunkId, outbound, s.outboundTrunks));
  if (outbound) {
    out.push(outboundAddressCheck(b, outbound));
    out.push(outboundTransportCheck(b, outbound));
    out.push(outboundCallerIdCheck(b, outbound));
    if (b.auth.kind === 'digest') out.push(digestCheck(b, outbound));
  }

  out.push(e164Check(b, inbound, outbound));
  if (b.transport === 'tls') out.push(srtpCheck(b, inbound, outbound));
  out.push(driftCheck(b, inbound, rule, outbound));

  const routes = b.dids.map((did) => routeLine(b, did, s, all));
  out.push(routeCheck(b, routes));
  return { findings: out, routes };
}

function findById<T extends { id: string }>(xs: T[], id: string | undefined): T | undefined {
  return id ? xs.find((x) => x.id === id) : undefined;
}

function existsCheck(
  b: Binding,
  check: 'inbound-trunk' | 'dispatch-rule' | 'outbound-trunk',
  label: string,
  id: string | undefined,
  found: { id: string; name: string } | undefined,
  all: Array<{ id: string; name: string; metadata: string }>,
): Finding {
  const id_ = `${check}.exists`;
  if (found) return pass(id_, `${label} exists`, `${label} ${found.id} ("${found.name}") is in LiveKit.`);
  const tagged = all.filter((r) => parseManagedTag(r.metadata)?.binding === b.name).map((r) => r.id);
  const hint = tagged.length ? ` LiveKit holds ${tagged.join(', ')} tagged for ${b.name}.` : '';
  if (!id) {
    return fail(
      id_,
      `${label} missing: the binding records none`,
      `Binding ${b.name} has no ${label.toLowerCase()} ID.${hint}`,
      `Run ${reapply(b)} and save to re-apply the binding (creates the ${label.toLowerCase()}).`,
    );
  }
  return fail(
    id_,
    `${label} ${id} not found in LiveKit`,
    `Binding ${b.name} owns ${label.toLowerCase()} ${id}, but LiveKit does not list it (deleted with lk?).${hint}`,
    `Run ${reapply(b)} and save to re-create it.`,
  );
}

function normSet(xs: string[]): Set<string> {
  return new Set(xs.map(normalizeNumber));
}

function inboundNumbersCheck(b: Binding, t: InboundTrunk): Finding {
  const check = 'inbound-trunk.numbers';
  const all = [...new Set([...t.numbers, ...b.dids])].join(',');
  if (t.numbers.length === 0) {
    return warn(
      check,
      `Inbound trunk ${t.id} is a wildcard (no numbers)`,
      `Inbound trunk ${t.id} lists no numbers, so it accepts every DID instead of ${b.dids.join(', ')}; a second wildcard trunk would make calls fail.`,
      `lk sip inbound update --id ${t.id} --numbers ${b.dids.join(',')} (or ${reapply(b)} to re-apply).`,
    );
  }
  const have = normSet(t.numbers);
  const missing = b.dids.filter((d) => !have.has(normalizeNumber(d)));
  if (missing.length === 0) {
    return pass(check, 'Inbound trunk holds every DID', `Inbound trunk ${t.id} lists ${b.dids.join(', ')}.`);
  }
  return fail(
    check,
    `Inbound trunk ${t.id} is missing ${missing.length} DID(s)`,
    `Missing on ${t.id}: ${missing.join(', ')}. It lists: ${t.numbers.join(', ')}.`,
    `lk sip inbound update --id ${t.id} --numbers ${all} (or ${reapply(b)} to re-apply).`,
  );
}

function conflictsCheck(b: Binding, own: InboundTrunk | undefined, trunks: InboundTrunk[]): Finding {
  const check = 'inbound-trunk.conflicts';
  const others = trunks.filter((t) => t.id !== b.resources.inboundTrunkId);
  const conflicts = findInboundTrunkConflicts(others, { numbers: b.dids, allowedNumbers: own?.allowedNumbers ?? [] });
  const problems = conflicts.map((c) => `trunk "${c.trunkName}" (${c.trunkId}) also lists ${c.numbers.join(', ')}`);
  const steps = conflicts.map(
    (c) => `lk sip inbound update --id ${c.trunkId} --numbers <its numbers without ${c.numbers.join(', ')}>`,
  );
  const otherWildcards = others.filter((t) => t.numbers.length === 0);
  if (own && own.numbers.length === 0 && otherWildcards.length > 0) {
    problems.push(
      `${own.id} and ${otherWildcards.map((t) => `"${t.name}" (${t.id})`).join(', ')} are all wildcard trunks (no numbers)`,
    );
    steps.push(`lk sip inbound update --id ${own.id} --numbers ${b.dids.join(',')}`);
  }
  if (problems.length === 0) {
    const note = otherWildcards.length
      ? ` Wildcard trunk(s) ${otherWildcards.map((t) => t.id).join(', ')} only take numbers no trunk lists.`
      : '';
    return pass(
      check,
      'No other inbound trunk claims these DIDs',
      `No other inbound trunk lists ${b.dids.join(', ')}.${note}`,
    );
  }
  return fail(
    check,
    'Another inbound trunk claims a DID: calls to it fail (LiveKit cannot pick a trunk)',
    `${problems.join('; ')}.`,
    `Remove the DID(s) from the other trunk: ${steps.join('; ')}.`,
  );
}

function ruleTrunkCheck(b: Binding, r: DispatchRule): Finding {
  const check = 'dispatch-rule.trunk';
  const own = b.resources.inboundTrunkId ?? '(none)';
  if (r.trunkIds.length === 0) {
    return warn(
      check,
      `Dispatch rule ${r.id} applies to all trunks`,
      `Dispatch rule ${r.id} has no trunk IDs, so it also takes calls from every other inbound trunk, not only ${own}.`,
      `lk sip dispatch update --id ${r.id} --trunks ${own} (or ${reapply(b)} to re-apply).`,
    );
  }
  if (b.resources.inboundTrunkId && r.trunkIds.includes(b.resources.inboundTrunkId)) {
    return pass(
      check,
      'Dispatch rule references the inbound trunk',
      `Dispatch rule ${r.id} lists trunk(s) ${r.trunkIds.join(', ')}.`,
    );
  }
  return fail(
    check,
    `Dispatch rule ${r.id} does not reference inbound trunk ${own}`,
    `Dispatch rule ${r.id} lists trunk(s) ${r.trunkIds.join(', ')}, not ${own}: calls on ${own} do not reach it.`,
    `lk sip dispatch update --id ${r.id} --trunks ${own} (or ${reapply(b)} to re-apply).`,
  );
}

/** The type of dispatch, for the binding's and for LiveKit's rule alike. */
function describeKind(k: DispatchRuleKind): string {
  return k.kind === 'direct' ? `direct to room "${k.roomName}"` : `${k.kind}, prefix "${k.roomPrefix}"`;
}

function ruleTypeCheck(b: Binding, r: DispatchRule): Finding {
  const check = 'dispatch-rule.type';
  const d = b.dispatch;
  const same =
    d.kind === r.rule.kind &&
    (d.kind === 'direct'
      ? r.rule.kind === 'direct' && r.rule.roomName === d.roomName
      : r.rule.kind !== 'direct' && r.rule.roomPrefix === d.roomPrefix);
  if (same)
    return pass(check, 'Dispatch rule has the intended type', `Dispatch rule ${r.id}: ${describeKind(r.rule)}.`);
  const prefix = d.kind === 'direct' ? '' : d.roomPrefix;
  const flag =
    d.kind === 'direct'
      ? `--direct ${d.roomName}`
      : d.kind === 'individual'
        ? `--caller ${prefix || DEFAULT_ROOM_PREFIX} --randomize`
        : `--callee ${prefix} --randomize`;
  return fail(
    check,
    `Dispatch rule ${r.id} has a different type than the binding`,
    `Binding ${b.name}: ${describeKind(ruleKindFor(d))}; LiveKit rule ${r.id}: ${describeKind(r.rule)}.`,
    `Run ${reapply(b)} and save to re-apply (lk equivalent: a rule with ${flag}).`,
  );
}

function ruleAgentCheck(b: Binding, r: DispatchRule): Finding {
  const check = 'dispatch-rule.agent';
  const agents = r.agents.length ? r.agents.map((a) => `"${a}"`).join(', ') : '(none)';
  if (b.agentName) {
    if (r.agents.includes(b.agentName)) {
      return pass(
        check,
        `Dispatch rule dispatches agent ${b.agentName}`,
        `Dispatch rule ${r.id} roomConfig.agents: ${agents}.`,
      );
    }
    return fail(
      check,
      `Dispatch rule ${r.id} does not dispatch agent ${b.agentName}`,
      `Binding ${b.name} names agent "${b.agentName}"; rule ${r.id} roomConfig.agents: ${agents}. Rooms get no agent job for it.`,
      `Add {"agentName": "${b.agentName}"} to roomConfig.agents of rule ${r.id}: run ${reapply(b)} and save, or lk sip dispatch update with a JSON file setting room_config.agents.`,
    );
  }
  if (r.agents.length > 0) {
    return warn(
      check,
      `Dispatch rule ${r.id} dispatches an agent the binding does not name`,
      `Rule ${r.id} roomConfig.agents: ${agents}; binding ${b.name} names no agent.`,
      `Set the agent name in ${reapply(b)} if it is intended, or re-apply there to remove it.`,
    );
  }
  return pass(
    check,
    'No agent named',
    `Neither binding ${b.name} nor rule ${r.id} names an agent: only workers using automatic dispatch get a job.`,
  );
}

/** `sip:host:port;params` → `host` (lowercase, no trailing dot). */
export function bareHost(address: string): string {
  let h = address.trim().replace(/^sips?:/i, '');
  h = h.split(';')[0]!;
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  else h = h.replace(/:\d*$/, '');
  return h.replace(/\.$/, '').toLowerCase();
}

function outboundAddressCheck(b: Binding, t: OutboundTrunk): Finding {
  const check = 'outbound-trunk.address';
  if (bareHost(t.address) === bareHost(b.trunkDomain)) {
    return pass(
      check,
      'Outbound trunk points at the EST trunk domain',
      `Outbound trunk ${t.id} address: ${t.address}.`,
    );
  }
  return fail(
    check,
    `Outbound trunk ${t.id} points at ${t.address || '(empty)'}, not ${b.trunkDomain}`,
    `Outbound trunk ${t.id} address: ${t.address || '(empty)'}; binding ${b.name} trunk domain: ${b.trunkDomain}.`,
    `lk sip outbound update --id ${t.id} --address ${b.trunkDomain} (or ${reapply(b)} to re-apply).`,
  );
}

function outboundTransportCheck(b: Binding, t: OutboundTrunk): Finding {
  const check = 'outbound-trunk.transport';
  if (t.transport === b.transport) {
    return pass(check, 'Outbound trunk transport matches', `Outbound trunk ${t.id} transport: ${t.transport}.`);
  }
  const evidence = `Outbound trunk ${t.id} transport: ${t.transport}; binding ${b.name}: ${b.transport}.`;
  const step = `lk sip outbound update --id ${t.id} --transport ${b.transport} (or ${reapply(b)} to re-apply).`;
  if (t.transport === 'auto' && b.transport === 'udp') {
    return warn(check, `Outbound trunk ${t.id} uses transport auto, binding says udp`, evidence, step);
  }
  return fail(check, `Outbound trunk ${t.id} uses ${t.transport}, binding says ${b.transport}`, evidence, step);
}

function outboundCallerIdCheck(b: Binding, t: OutboundTrunk): Finding {
  const check = 'outbound-trunk.caller-id';
  if (normSet(t.numbers).has(normalizeNumber(b.callerId))) {
    return pass(
      check,
      'Outbound trunk holds the caller ID',
      `Outbound trunk ${t.id} numbers: ${t.numbers.join(', ')}.`,
    );
  }
  return fail(
    check,
    `Outbound trunk ${t.id} lacks caller ID ${b.callerId}`,
    `Outbound trunk ${t.id} numbers: ${t.numbers.length ? t.numbers.join(', ') : '(none)'}; binding caller ID: ${b.callerId}.`,
    `lk sip outbound update --id ${t.id} --numbers ${b.callerId} (or ${reapply(b)} to re-apply).`,
  );
}

function digestCheck(b: Binding, t: OutboundTrunk): Finding {
  const check = 'outbound-trunk.auth';
  const problems: string[] = [];
  if (!t.authUsername) problems.push('no auth username');
  if (!t.hasAuthPassword) problems.push('no auth password');
  if (problems.length === 0) {
    return pass(
      check,
      'Outbound trunk has digest credentials',
      `Outbound trunk ${t.id} auth username: ${t.authUsername}; password set.`,
    );
  }
  const user = b.auth.kind === 'digest' ? b.auth.username : '';
  return fail(
    check,
    `Outbound trunk ${t.id} lacks digest credentials`,
    `Binding ${b.name} uses digest auth (user ${user}); outbound trunk ${t.id} has ${problems.join(' and ')}. EST will answer 401/407.`,
    `Run ${reapply(b)} and enter the password again, or lk sip outbound update --id ${t.id} --auth-user ${user} --auth-pass <password>.`,
  );
}

function e164Check(b: Binding, inbound: InboundTrunk | undefined, outbound: OutboundTrunk | undefined): Finding {
  const check = 'e164';
  const bad: string[] = [];
  const scan = (where: string, xs: string[]): void => {
    const wrong = xs.filter((x) => !E164.test(x));
    if (wrong.length) bad.push(`${where}: ${wrong.map((x) => `"${x}"`).join(', ')}`);
  };
  scan('binding DIDs', b.dids);
  scan('binding caller ID', [b.callerId]);
  if (inbound) scan(`inbound trunk ${inbound.id} numbers`, inbound.numbers);
  if (outbound) scan(`outbound trunk ${outbound.id} numbers`, outbound.numbers);
  if (bad.length === 0)
    return pass(check, 'All numbers are E.164', `DIDs, caller ID and trunk numbers are all +E.164.`);
  return fail(
    check,
    'Numbers not in E.164',
    `Not +E.164 (a + then 8 to 15 digits): ${bad.join('; ')}. EST sends and expects +E.164, and dispatch rules compare numbers exactly.`,
    `Write every number as +<country code><number>, e.g. +14155550100: edit the binding with ${reapply(b)}.`,
  );
}

function srtpCheck(b: Binding, inbound: InboundTrunk | undefined, outbound: OutboundTrunk | undefined): Finding {
  const check = 'tls.srtp';
  const bad: string[] = [];
  const steps: string[] = [];
  if (inbound && inbound.mediaEncryption !== 'require') {
    bad.push(`inbound trunk ${inbound.id} media encryption: ${inbound.mediaEncryption}`);
    steps.push(`lk sip inbound update --id ${inbound.id} --media-enc require`);
  }
  if (outbound && outbound.mediaEncryption !== 'require') {
    bad.push(`outbound trunk ${outbound.id} media encryption: ${outbound.mediaEncryption}`);
    steps.push(`lk sip outbound update --id ${outbound.id} --media-enc require`);
  }
  if (bad.length === 0) {
    return pass(check, 'TLS with SRTP required', `Binding ${b.name} uses TLS; the trunks it has require SRTP.`);
  }
  return fail(
    check,
    'TLS without SRTP required',
    `Binding ${b.name} uses TLS, but ${bad.join('; ')}. For EST, TLS and SRTP go together.`,
    `${steps.join('; ')} (or ${reapply(b)} to re-apply).`,
  );
}

function driftCheck(
  b: Binding,
  inbound: InboundTrunk | undefined,
  rule: DispatchRule | undefined,
  outbound: OutboundTrunk | undefined,
): Finding {
  const check = 'drift';
  const items = driftOf(b, b.resources, { inbound, rule, outbound }).filter((d) => d.field !== 'exists');
  if (items.length === 0)
    return pass(
      check,
      'LiveKit matches the binding',
      `No field of the binding's LiveKit resources differs from binding ${b.name}.`,
    );
  const ids: Record<string, string | undefined> = {
    inbound: b.resources.inboundTrunkId,
    rule: b.resources.dispatchRuleId,
    outbound: b.resources.outboundTrunkId,
  };
  const lines = items.map(
    (d) =>
      `${RESOURCE_LABEL[d.resource]} ${ids[d.resource] ?? ''} ${d.field}: LiveKit has ${d.actual}, binding says ${d.expected}`,
  );
  return warn(
    check,
    `LiveKit differs from the binding (${items
      .map((d) => d.field)
      .filter((f, i, a) => a.indexOf(f) === i)
      .join(', ')})`,
    `Changed outside SIP Ops (e.g. with lk):\n${lines.map((l) => `- ${l}`).join('\n')}`,
    `Run ${reapply(b)} and save to re-apply the binding, or edit the binding there if the change was intended.`,
  );
}

// ------------------------------------------------------------------------------------- routes

function ownerOfRule(rule: DispatchRule, all: Binding[]): string | undefined {
  return all.find((x) => x.resources.dispatchRuleId === rule.id)?.name ?? parseManagedTag(rule.metadata)?.binding;
}

function routeLine(b: Binding, did: string, s: LiveKitSnapshot, all: Binding[]): RouteLine {
  const e = explainRoute(s, { to: did, from: SAMPLE_CALLER });
  if (e.outcome === 'dropped') {
    // Dropped for want of a trunk: the trunk step and the rule step that followed it both matter.
    const why = (e.stage === 'trunk' ? e.steps.slice(-2) : e.steps.slice(-1)).join(' ') || e.reason;
    return {
      did,
      ok: false,
      text: `${did} → dropped at the ${e.stage === 'trunk' ? 'trunk' : 'dispatch rule'} stage: ${why}`,
    };
  }
  const room = e.roomPattern.split(SAMPLE_CALLER).join(CALLER_PLACEHOLDER);
  const agent = e.agents.length ? `agent ${e.agents.join(', ')}` : 'no agent';
  const viaTrunk =
    e.trunk === undefined
      ? ' (no trunk matched: a rule for all trunks took it, with no address or auth check)'
      : e.trunk.id === b.resources.inboundTrunkId
        ? ''
        : ` (via trunk "${e.trunk.name}" ${e.trunk.id}, not this binding's trunk)`;
  if (e.rule.id === b.resources.dispatchRuleId) {
    return { did, ok: true, text: `${did} → room ${room}, ${agent}${viaTrunk}` };
  }
  const owner = ownerOfRule(e.rule, all);
  const whose = owner && owner !== b.name ? `binding ${owner}'s rule` : 'a rule this binding does not own';
  return {
    did,
    ok: false,
    text: `${did} → ${whose} "${e.rule.name}" (${e.rule.id}), room ${room}, ${agent}${viaTrunk}; expected rule ${b.resources.dispatchRuleId ?? '(none)'}`,
  };
}

function routeCheck(b: Binding, routes: RouteLine[]): Finding {
  const check = 'route.explain';
  const bad = routes.filter((r) => !r.ok);
  if (bad.length === 0) {
    return pass(
      check,
      `All ${routes.length} DID(s) route to this binding's rule`,
      routes.map((r) => r.text).join('\n'),
    );
  }
  return fail(
    check,
    `${bad.length} of ${routes.length} DID(s) would not reach this binding's dispatch rule`,
    `Caller ${SAMPLE_CALLER} calling:\n${bad.map((r) => r.text).join('\n')}`,
    `Fix the trunk and rule findings above (numbers on the inbound trunk, rule trunk IDs), or run ${reapply(b)} to re-apply the binding.`,
  );
}

// ------------------------------------------------------------------------------ network probes

function dnsChecks(b: Binding, dns: Record<string, DnsProbeResult>): Finding[] {
  const hosts: Array<[string, string, string]> = [
    ['dns.trunk-domain', 'EST trunk domain', b.trunkDomain],
    ['dns.livekit-sip-host', 'LiveKit SIP host', b.livekitSipHost],
  ];
  return hosts.map(([check, label, host]) => {
    const r = dns[host];
    if (r === undefined) {
      return warn(
        check,
        `${label} ${host} not probed`,
        `No DNS result for ${host} in this run.`,
        'Run the health check again; if it repeats, check the SIP Ops logs for the DNS probe.',
      );
    }
    if (r.ok && r.addresses.length > 0) return pass(check, `${label} resolves`, `${host} → ${r.addresses.join(', ')}.`);
    const why = r.ok ? 'no addresses' : `${r.code}: ${r.message}`;
    const step =
      check === 'dns.trunk-domain'
        ? `Check the trunk domain in the EST dashboard (e.g. acme.pstn.sinch.com) and fix it with ${reapply(b)}.`
        : `Publish a DNS record for ${host} pointing at the LiveKit SIP public IP, or fix the host with ${reapply(b)}.`;
    return fail(check, `${label} ${host} does not resolve`, `DNS lookup of ${host} failed (${why}).`, step);
  });
}

function optionsChecks(b: Binding, options: Record<string, OptionsProbeResult>): Finding[] {
  return probePlan(b).map(({ role, target }) => {
    const key = optionsKey(target);
    const check = `options.${role}`;
    const label = role === 'est' ? 'EST trunk' : 'LiveKit SIP';
    const where = `${target.host}:${target.port ?? defaultSipPort(target.transport)}/${target.transport.toUpperCase()}`;
    const r = options[key];
    if (r === undefined) {
      return warn(
        check,
        `${label} ${where} not probed`,
        `No OPTIONS result for ${key} in this run.`,
        'Run the health check again; if it repeats, check the SIP Ops logs for the OPTIONS probe.',
      );
    }
    if (r.kind === 'response') {
      const server = r.server ? `, server "${r.server}"` : '';
      const evidence = `OPTIONS to ${where}: ${r.status} ${r.reason} in ${r.rttMs} ms${server}.`;
      if (r.status === 403) {
        const step =
          role === 'est'
            ? `In the EST dashboard, add the LiveKit SIP public IP (${b.livekitSipHost}) to the trunk ACL as a /32; allow 60 seconds to propagate.`
            : `Check the firewall or proxy in front of ${b.livekitSipHost} lets the SIP Ops host through.`;
        const title =
          role === 'est'
            ? `${label} reachable but 403 — EST answers 403 to hosts not in its ACL; add the LiveKit public IP`
            : `${label} reachable but 403`;
        return warn(check, title, evidence, step);
      }
      return pass(check, `${label} answers OPTIONS`, evidence);
    }
    if (r.kind === 'timeout') {
      const tryTcp = target.transport === 'udp' ? ', or try TCP' : '';
      return fail(
        check,
        `${label} ${where} does not answer OPTIONS`,
        `No answer to OPTIONS from ${where} within ${r.ms} ms.`,
        `Check firewalls and security groups allow SIP ${target.transport.toUpperCase()} port ${target.port ?? defaultSipPort(target.transport)} both ways between ${target.host} and the SIP hosts${tryTcp}.`,
      );
    }
    return fail(
      check,
      `${label} ${where} cannot be probed: ${r.code}`,
      `OPTIONS to ${where} failed before an answer: ${r.code}: ${r.message}.`,
      target.transport === 'tls'
        ? `Check ${target.host} accepts TLS on port ${target.port ?? 5061} with a valid certificate, and that DNS resolves.`
        : `Check ${target.host} resolves and listens on SIP port ${target.port ?? 5060}/${target.transport.toUpperCase()}.`,
    );
  });
}

// -------------------------------------------------------------------------------------- calls

function callsInWindow(name: string, calls: CallStat[], now: Date): CallStat[] {
  const end = now.getTime();
  return calls.filter((c) => {
    if (c.bindingName !== name) return false;
    const t = Date.parse(c.startedAt);
    return Number.isNaN(t) || (t >= end - DAY_MS && t <= end + 60_000);
  });
}

function isAnswered(c: CallStat): boolean {
  return c.answeredAt !== null || c.outcome === 'answered' || c.outcome === 'completed';
}

function isFailed(c: CallStat): boolean {
  return c.outcome !== 'in-progress' && !isAnswered(c);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

export function statsOf(calls: CallStat[]): BindingStats {
  const inbound = calls.filter((c) => c.direction === 'inbound');
  const tests = calls.filter((c) => c.direction === 'test');
  const agentJoined = inbound.filter((c) => c.agentJoined).length;
  const failuresBySipCode: Record<string, number> = {};
  for (const c of calls.filter(isFailed)) {
    const key = c.sipStatus === null ? 'none' : String(c.sipStatus);
    failuresBySipCode[key] = (failuresBySipCode[key] ?? 0) + 1;
  }
  return {
    inboundCalls: inbound.length,
    agentJoined,
    agentJoinRate: inbound.length ? agentJoined / inbound.length : null,
    testCalls: tests.length,
    answered: tests.filter(isAnswered).length,
    medianSetupMs: median(calls.map((c) => c.setupMs).filter((m): m is number => m !== null)),
    failuresBySipCode,
  };
}

function formatFailures(f: Record<string, number>): string {
  const parts = Object.entries(f)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code === 'none' ? 'no SIP status' : `SIP ${code}`} ×${n}`);
  return parts.length ? parts.join(', ') : 'none';
}

function statsChecks(b: Binding, calls: CallStat[], stats: BindingStats): Finding[] {
  const out: Finding[] = [];
  const tests = calls.filter((c) => c.direction === 'test' && c.outcome !== 'in-progress');
  if (tests.length > 0) {
    const failed = tests.filter(isFailed);
    const testFailures: Record<string, number> = {};
    for (const c of failed) {
      const key = c.sipStatus === null ? 'none' : String(c.sipStatus);
      testFailures[key] = (testFailures[key] ?? 0) + 1;
    }
    if (failed.length === tests.length) {
      out.push(
        warn(
          'calls.test-calls',
          `All ${tests.length} test call(s) in the last 24 h failed`,
          `Test calls through ${b.name}: ${tests.length}, answered: 0; failures: ${formatFailures(testFailures)}.`,
          `Place one with /sip-test-call ${b.name} <number> and follow its diagnosis.`,
        ),
      );
    } else {
      out.push(
        pass(
          'calls.test-calls',
          'Test calls get answered',
          `Test calls through ${b.name} in 24 h: ${tests.length}, answered: ${tests.length - failed.length}.`,
        ),
      );
    }
  }
  if (b.agentName && stats.inboundCalls > 0) {
    if (stats.agentJoined === 0) {
      out.push(
        warn(
          'calls.agent-join',
          `Agent ${b.agentName} joined none of ${stats.inboundCalls} inbound call(s)`,
          `Inbound calls to ${b.name} in 24 h: ${stats.inboundCalls}; agent joined: 0.`,
          `Check a worker registered as agent "${b.agentName}" is running and connected to this LiveKit server (its logs show "received job request").`,
        ),
      );
    } else {
      out.push(
        pass(
          'calls.agent-join',
          `Agent ${b.agentName} joins inbound calls`,
          `Inbound calls in 24 h: ${stats.inboundCalls}; agent joined: ${stats.agentJoined}.`,
        ),
      );
    }
  }
  return out;
}

/** One plain line of call statistics, e.g. for reports. */
export function describeStats(s: BindingStats): string {
  const parts: string[] = [`inbound calls: ${s.inboundCalls}`];
  if (s.agentJoinRate !== null)
    parts.push(`agent joined: ${s.agentJoined}/${s.inboundCalls} (${Math.round(s.agentJoinRate * 100)}%)`);
  parts.push(`test calls: ${s.testCalls} (${s.answered} answered)`);
  if (s.medianSetupMs !== null) parts.push(`median setup: ${s.medianSetupMs} ms`);
  if (Object.keys(s.failuresBySipCode).length) parts.push(`failures: ${formatFailures(s.failuresBySipCode)}`);
  return `Last 24 h: ${parts.join('; ')}.`;
}
