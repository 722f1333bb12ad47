/**
 * What a binding means in LiveKit: the three resources it should own (desired state), the
 * field-level difference between desired and actual (the patch an edit applies, and drift),
 * and the reverse for `import` (a binding read off resources made with `lk`). Pure.
 */
import type { BindingSpec, Dispatch } from './binding';
import { requiresSrtp } from './binding';
import { normalizeNumber } from './e164';
import type {
  DispatchRule,
  DispatchRuleKind,
  InboundTrunk,
  MediaEncryption,
  OutboundTrunk,
  SipTransport,
} from './livekit-model';
import { managedTag, parseManagedTag } from './livekit-model';
import { roomPatternFor } from './route-match';

export interface DesiredInbound {
  name: string;
  metadata: string;
  numbers: string[];
  mediaEncryption: MediaEncryption;
}

export interface DesiredRule {
  name: string;
  metadata: string;
  trunkIds: string[];
  rule: DispatchRuleKind;
  agents: string[];
}

/** The outbound trunk without its password (compared separately: LiveKit never reads it back). */
export interface DesiredOutbound {
  name: string;
  metadata: string;
  address: string;
  transport: SipTransport;
  numbers: string[];
  /** Empty username = no digest credentials (ACL auth). */
  authUsername: string;
  mediaEncryption: MediaEncryption;
}

export type ResourceKind = 'inbound' | 'rule' | 'outbound';

export const RESOURCE_LABEL: Record<ResourceKind, string> = {
  inbound: 'inbound trunk',
  rule: 'dispatch rule',
  outbound: 'outbound trunk',
};

function encryption(spec: BindingSpec): MediaEncryption {
  return requiresSrtp(spec) ? 'require' : 'disable';
}

export function desiredInbound(spec: BindingSpec): DesiredInbound {
  return {
    name: `${spec.name}-inbound`,
    metadata: managedTag(spec.name),
    numbers: [...spec.dids],
    mediaEncryption: encryption(spec),
  };
}

export function ruleKindFor(d: Dispatch): DispatchRuleKind {
  switch (d.kind) {
    case 'individual':
      return { kind: 'individual', roomPrefix: d.roomPrefix, pin: '', noRandomness: false };
    case 'callee':
      return { kind: 'callee', roomPrefix: d.roomPrefix, pin: '', randomize: true };
    case 'direct':
      return { kind: 'direct', roomName: d.roomName, pin: '' };
  }
}

export function desiredRule(spec: BindingSpec, inboundTrunkId: string): DesiredRule {
  return {
    name: `${spec.name}-dispatch`,
    metadata: managedTag(spec.name),
    trunkIds: [inboundTrunkId],
    rule: ruleKindFor(spec.dispatch),
    agents: spec.agentName ? [spec.agentName] : [],
  };
}

export function desiredOutbound(spec: BindingSpec): DesiredOutbound {
  return {
    name: `${spec.name}-outbound`,
    metadata: managedTag(spec.name),
    address: spec.trunkDomain,
    transport: spec.transport,
    numbers: [spec.callerId],
    authUsername: spec.auth.kind === 'digest' ? spec.auth.username : '',
    mediaEncryption: encryption(spec),
  };
}

// ------------------------------------------------------------------------------------ patches

const sameSet = (a: string[], b: string[]): boolean => {
  const x = [...new Set(a.map(normalizeNumber))].sort().join(',');
  const y = [...new Set(b.map(normalizeNumber))].sort().join(',');
  return x === y;
};
const sameList = (a: string[], b: string[]): boolean => [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

export function sameRuleKind(a: DispatchRuleKind, b: DispatchRuleKind): boolean {
  if (a.kind !== b.kind || a.pin !== b.pin) return false;
  switch (a.kind) {
    case 'direct':
      return b.kind === 'direct' && a.roomName === b.roomName;
    case 'individual':
      return b.kind === 'individual' && a.roomPrefix === b.roomPrefix && a.noRandomness === b.noRandomness;
    case 'callee':
      return b.kind === 'callee' && a.roomPrefix === b.roomPrefix && a.randomize === b.randomize;
  }
}

/** Address as typed in `lk` may carry `sip:` or a port; the binding holds the bare host. */
export function addressHost(address: string): string {
  return address
    .replace(/^sips?:/i, '')
    .replace(/:\d+$/, '')
    .toLowerCase();
}

/** Fields of `actual` that differ from `desired`; names are never patched (they are labels). */
export function inboundPatch(actual: InboundTrunk, desired: DesiredInbound): Partial<DesiredInbound> {
  const p: Partial<DesiredInbound> = {};
  if (actual.metadata !== desired.metadata) p.metadata = desired.metadata;
  if (!sameSet(actual.numbers, desired.numbers)) p.numbers = desired.numbers;
  if (actual.mediaEncryption !== desired.mediaEncryption) p.mediaEncryption = desired.mediaEncryption;
  return p;
}

export function rulePatch(actual: DispatchRule, desired: DesiredRule): Partial<DesiredRule> {
  const p: Partial<DesiredRule> = {};
  if (actual.metadata !== desired.metadata) p.metadata = desired.metadata;
  if (!sameList(actual.trunkIds, desired.trunkIds)) p.trunkIds = desired.trunkIds;
  if (!sameRuleKind(actual.rule, desired.rule)) p.rule = desired.rule;
  if (!sameList(actual.agents, desired.agents)) p.agents = desired.agents;
  return p;
}

export function outboundPatch(actual: OutboundTrunk, desired: DesiredOutbound): Partial<DesiredOutbound> {
  const p: Partial<DesiredOutbound> = {};
  if (actual.metadata !== desired.metadata) p.metadata = desired.metadata;
  if (addressHost(actual.address) !== desired.address) p.address = desired.address;
  if (actual.transport !== desired.transport) p.transport = desired.transport;
  if (!sameSet(actual.numbers, desired.numbers)) p.numbers = desired.numbers;
  if (actual.authUsername !== desired.authUsername) p.authUsername = desired.authUsername;
  if (actual.mediaEncryption !== desired.mediaEncryption) p.mediaEncryption = desired.mediaEncryption;
  return p;
}

/**
 * The values `actual` holds for the fields of `patch`: applying it undoes the patch. Lists are
 * copied; `D` is the desired shape of the resource (`DesiredInbound`, `DesiredRule`, `DesiredOutbound`).
 */
export function inverseOf<D extends object>(actual: D, patch: Partial<D>): Partial<D> {
  const b: Partial<D> = {};
  for (const k of Object.keys(patch) as Array<keyof D>) {
    if (patch[k] === undefined) continue;
    const v = actual[k];
    b[k] = Array.isArray(v) ? ([...v] as D[keyof D]) : v;
  }
  return b;
}

export const isEmptyPatch = (p: object): boolean => Object.keys(p).length === 0;

// -------------------------------------------------------------------------------------- drift

export interface DriftItem {
  resource: ResourceKind;
  field: string;
  expected: string;
  actual: string;
}

export interface ActualResources {
  inbound?: InboundTrunk | undefined;
  rule?: DispatchRule | undefined;
  outbound?: OutboundTrunk | undefined;
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  if (typeof v === 'object' && v !== null) return describeRuleKind(v as DispatchRuleKind);
  return String(v ?? '') || '(empty)';
}

export function describeRuleKind(r: DispatchRuleKind): string {
  switch (r.kind) {
    case 'individual':
      return `individual, prefix "${r.roomPrefix}"${r.noRandomness ? ', no randomness' : ''}${r.pin ? ', PIN' : ''}`;
    case 'callee':
      return `callee, prefix "${r.roomPrefix}"${r.randomize ? ', randomized' : ''}${r.pin ? ', PIN' : ''}`;
    case 'direct':
      return `direct, room "${r.roomName}"${r.pin ? ', PIN' : ''}`;
  }
}

function driftFrom<T extends object>(resource: ResourceKind, patch: Partial<T>, actual: Partial<T>): DriftItem[] {
  return (Object.keys(patch) as Array<keyof T & string>).map((field) => ({
    resource,
    field,
    expected: show(patch[field]),
    actual: show(actual[field]),
  }));
}

/**
 * How LiveKit differs from the binding (someone changed it with `lk`, or it is gone).
 * Resources the binding does not own yet (no ID) are not reported.
 */
export function driftOf(
  spec: BindingSpec,
  ids: {
    inboundTrunkId?: string | undefined;
    dispatchRuleId?: string | undefined;
    outboundTrunkId?: string | undefined;
  },
  actual: ActualResources,
): DriftItem[] {
  const out: DriftItem[] = [];
  const missing = (resource: ResourceKind, id: string): DriftItem => ({
    resource,
    field: 'exists',
    expected: id,
    actual: 'missing in LiveKit',
  });
  if (ids.inboundTrunkId) {
    if (!actual.inbound) out.push(missing('inbound', ids.inboundTrunkId));
    else out.push(...driftFrom('inbound', inboundPatch(actual.inbound, desiredInbound(spec)), { ...actual.inbound }));
  }
  if (ids.dispatchRuleId) {
    if (!actual.rule) out.push(missing('rule', ids.dispatchRuleId));
    else
      out.push(
        ...driftFrom('rule', rulePatch(actual.rule, desiredRule(spec, ids.inboundTrunkId ?? '')), { ...actual.rule }),
      );
  }
  if (ids.outboundTrunkId) {
    if (!actual.outbound) out.push(missing('outbound', ids.outboundTrunkId));
    else {
      out.push(...driftFrom('outbound', outboundPatch(actual.outbound, desiredOutbound(spec)), { ...actual.outbound }));
      if (spec.auth.kind === 'digest' && !actual.outbound.hasAuthPassword) {
        out.push({ resource: 'outbound', field: 'authPassword', expected: 'set', actual: 'not set' });
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------- import

export interface ImportProblem {
  /** `error`: the resources do not form a binding; `warning`: imported, but worth fixing. */
  severity: 'error' | 'warning';
  text: string;
}

export interface ImportInput {
  name: string;
  inbound: InboundTrunk;
  rule: DispatchRule;
  outbound: OutboundTrunk;
  livekitSipHost: string;
  reportChannel: string;
}

export type ImportResult =
  { ok: true; spec: BindingSpec; problems: ImportProblem[] } | { ok: false; problems: ImportProblem[] };

/**
 * Reads a binding off three existing resources and says what does not fit. The digest password
 * cannot be read back from LiveKit: an imported digest binding keeps LiveKit's password as is.
 */
type Report = { err: (text: string) => void; warn: (text: string) => void };

export function specFromResources(input: ImportInput): ImportResult {
  const { inbound, rule, outbound, name } = input;
  const problems: ImportProblem[] = [];
  const report: Report = {
    err: (text) => void problems.push({ severity: 'error', text }),
    warn: (text) => void problems.push({ severity: 'warning', text }),
  };
  checkOwnership(input, report);
  const dids = checkInbound(inbound, report);
  checkRule(rule, inbound.id, report);
  const { host, callerId, transport } = checkOutbound(input, report);
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };

  const dispatch: Dispatch =
    rule.rule.kind === 'direct'
      ? { kind: 'direct', roomName: rule.rule.roomName }
      : { kind: rule.rule.kind, roomPrefix: rule.rule.roomPrefix };
  const spec: BindingSpec = {
    name,
    trunkDomain: host,
    dids: [...new Set(dids)],
    callerId,
    auth: outbound.authUsername ? { kind: 'digest', username: outbound.authUsername, password: '' } : { kind: 'acl' },
    transport,
    livekitSipHost: input.livekitSipHost,
    dispatch,
    reportChannel: input.reportChannel,
  };
  if (rule.agents[0]) spec.agentName = rule.agents[0];
  return { ok: true, spec, problems };
}

/** None of the three may be managed by SIP Ops as another binding. */
function checkOwnership({ inbound, rule, outbound, name }: ImportInput, { err }: Report): void {
  for (const [label, metadata] of [
    ['inbound trunk', inbound.metadata],
    ['dispatch rule', rule.metadata],
    ['outbound trunk', outbound.metadata],
  ] as const) {
    const tag = parseManagedTag(metadata);
    if (tag && tag.binding !== name) err(`The ${label} is already managed by SIP Ops as binding "${tag.binding}".`);
  }
}

/** The inbound trunk's DIDs (normalised): listed, and E.164. */
function checkInbound(inbound: ImportInput['inbound'], { err }: Report): string[] {
  if (inbound.numbers.length === 0)
    err(`Inbound trunk ${inbound.id} has no numbers: it accepts every DID. A binding needs its DIDs listed.`);
  const dids = inbound.numbers.map(normalizeNumber);
  const badDids = dids.filter((d) => !/^\+[1-9]\d{6,14}$/.test(d));
  if (badDids.length) err(`Inbound trunk numbers are not E.164: ${badDids.join(', ')}.`);
  return dids;
}

/** The dispatch rule: scoped to the inbound trunk, no PIN, one agent, one room per call. */
function checkRule(rule: ImportInput['rule'], inboundId: string, { err, warn }: Report): void {
  if (rule.trunkIds.length === 0)
    warn(
      `Dispatch rule ${rule.id} has no trunk IDs, so it applies to every trunk; the binding will scope it to ${inboundId}.`,
    );
  else if (!rule.trunkIds.includes(inboundId))
    err(
      `Dispatch rule ${rule.id} does not reference inbound trunk ${inboundId} (it lists ${rule.trunkIds.join(', ')}).`,
    );
  else if (rule.trunkIds.length > 1)
    warn(
      `Dispatch rule ${rule.id} also serves ${rule.trunkIds.filter((t) => t !== inboundId).join(', ')}; the binding will scope it to ${inboundId}.`,
    );
  if (rule.rule.pin) err(`Dispatch rule ${rule.id} requires a PIN; EST calls cannot enter one.`);
  if (rule.agents.length > 1)
    warn(
      `Dispatch rule ${rule.id} dispatches ${rule.agents.length} agents; the binding keeps only "${rule.agents[0]}".`,
    );
  if (rule.rule.kind === 'individual' && rule.rule.noRandomness)
    warn(
      `Dispatch rule ${rule.id} creates rooms without a random suffix; the binding will randomize them (one room per call).`,
    );
  if (rule.rule.kind === 'callee' && !rule.rule.randomize)
    warn(`Dispatch rule ${rule.id} does not randomize callee rooms; the binding will.`);
  if (rule.inboundNumbers.length || rule.numbers.length)
    warn(
      `Dispatch rule ${rule.id} filters by caller or called number; calls outside those filters are not dispatched (SIP Ops leaves the filters as they are).`,
    );
}

/** The outbound trunk: an EST trunk domain, one caller ID, a transport the binding can keep, auth complete. */
function checkOutbound(
  { inbound, outbound }: ImportInput,
  { err, warn }: Report,
): { host: string; callerId: string; transport: BindingSpec['transport'] } {
  if (!outbound.address) err(`Outbound trunk ${outbound.id} has no address.`);
  const host = addressHost(outbound.address);
  if (outbound.address && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(host))
    warn(
      `Outbound trunk address "${outbound.address}" does not look like an EST trunk domain (e.g. acme.pstn.sinch.com).`,
    );
  if (outbound.numbers.length === 0) err(`Outbound trunk ${outbound.id} has no numbers: a binding needs a caller ID.`);
  else if (outbound.numbers.length > 1)
    warn(
      `Outbound trunk ${outbound.id} has ${outbound.numbers.length} numbers; the binding uses ${outbound.numbers[0]} as caller ID.`,
    );
  const callerId = normalizeNumber(outbound.numbers[0] ?? '');
  if (outbound.numbers.length && !/^\+[1-9]\d{6,14}$/.test(callerId))
    err(`Outbound caller ID "${outbound.numbers[0]}" is not E.164.`);
  const transport = outbound.transport === 'auto' ? 'udp' : outbound.transport;
  if (outbound.transport === 'auto')
    warn(`Outbound trunk ${outbound.id} uses transport "auto"; the binding sets UDP explicitly.`);
  if (transport === 'tls' && (outbound.mediaEncryption !== 'require' || inbound.mediaEncryption !== 'require')) {
    warn(
      'TLS is used without SRTP required on both trunks; the binding will require SRTP (for EST, TLS and SRTP go together).',
    );
  }
  if (outbound.authUsername && !outbound.hasAuthPassword)
    err(`Outbound trunk ${outbound.id} has a digest username but no password.`);
  return { host, callerId, transport };
}

/** The room an inbound call lands in, with placeholders, e.g. `est-inbound-_<caller>_<random>`. */
export function expectedRoomPattern(spec: BindingSpec): string {
  return roomPatternFor(
    { rule: ruleKindFor(spec.dispatch), hidePhoneNumber: false },
    { to: '<DID>', from: '<caller>' },
  );
}
