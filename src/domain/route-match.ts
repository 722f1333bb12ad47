/**
 * "Where would a call to this DID go?" A local re-implementation of LiveKit's inbound
 * trunk and dispatch-rule matching (livekit-sip-api.md §7; protocol `sip/sip.go`
 * `MatchTrunkDetailed`, `MatchDispatchRuleIter`, `DispatchRulePriority`, `EvaluateDispatchRule`).
 *
 * Readings of LiveKit's code kept here on purpose:
 * - Trunk `numbers` and `allowedNumbers` compare raw or after `NormalizeNumber`.
 * - Dispatch-rule `inboundNumbers` (the CALLER) and `numbers` (the CALLED number) compare
 *   exactly, without normalization; a near miss is pointed out in `steps`.
 * - `allowedAddresses`: entries with a `/` are CIDR prefixes, other entries are single IPs or
 *   host names; a host name matches only when it equals the From host literally. Without a
 *   parseable source IP LiveKit does not filter by address at all.
 * - Priority: LOWER value wins ("Lower value means higher priority"): pin-protected direct 0,
 *   individual 1, callee 2; open direct 100, individual 101, callee 102; +1000 without
 *   `inboundNumbers`, +1000 without `numbers`; ties go to the smaller room name/prefix.
 * - A rule that lists the matched trunk beats every wildcard rule, whatever the priorities.
 * - When no trunk matches, the open-source server answers livekit-sip's trunk lookup with an empty
 *   result (livekit/livekit `pkg/service/ioservice_sip.go`), livekit-sip goes on without a trunk
 *   (livekit/sip `pkg/service/psrpc.go`) and only rules without trunk IDs apply (protocol `sip/sip.go`,
 *   test "Default rules should work even if no trunk is defined"). Such a rule therefore catches calls to
 *   numbers no trunk lists, with no trunk's address or auth checks. With no rule either, the call is
 *   dropped without any SIP answer (livekit/sip `pkg/sip/inbound.go` DispatchNoRuleDrop).
 * - Whenever no rule matches, LiveKit's error reads "No SIP Dispatch Rules defined", even when rules
 *   exist (protocol `sip/sip.go` MatchDispatchRuleIter); the steps say what really happened.
 * - A matched trunk with a username and password is challenged first: livekit-sip answers the INVITE with
 *   407 (livekit/sip `pkg/sip/inbound.go`, AuthPassword), so Sinch must send digest credentials.
 */
import { normalizeNumber } from './e164';
import type { DispatchRule, InboundTrunk, LiveKitSnapshot } from './livekit-model';

export type RoomKind = 'individual' | 'direct' | 'callee';

export type RouteExplanation =
  | {
      outcome: 'routed';
      /** undefined: no trunk matched, and a rule without trunk IDs took the call. */
      trunk: InboundTrunk | undefined;
      rule: DispatchRule;
      /** The room name; `<random>` stands for LiveKit's random 12-character suffix. */
      roomPattern: string;
      roomKind: RoomKind;
      agents: string[];
      steps: string[];
    }
  | { outcome: 'dropped'; stage: 'trunk' | 'rule'; reason: string; steps: string[] };

export interface InboundCall {
  /** Called number as it appears in the To user part (what EST sends), e.g. `+14155550100`. */
  to: string;
  /** Calling number as it appears in the From user part. */
  from: string;
  /** Source IP of the INVITE (EST's signalling IP). Without it, allowedAddresses are not checked. */
  sourceIp?: string;
  /** Host of the From URI, matched literally against host names in allowedAddresses. */
  fromHost?: string;
}

export const RANDOM_PLACEHOLDER = '<random>';

export function explainRoute(snapshot: LiveKitSnapshot, call: InboundCall): RouteExplanation {
  const steps: string[] = [];
  const trunk = matchTrunk(snapshot.inboundTrunks, call, steps);
  if (!trunk.ok) return { outcome: 'dropped', stage: 'trunk', reason: trunk.reason, steps };
  if (trunk.trunk?.hasAuth === true) {
    steps.push(
      `${cap(trunkLabel(trunk.trunk))} has a username and password: LiveKit answers the INVITE with 407 and Sinch must resend it with digest credentials (an EST trunk on IP ACL auth sends none, and the call fails).`,
    );
  }
  const rule = matchRule(snapshot.dispatchRules, trunk.trunk, call, steps);
  if (!rule.ok)
    return { outcome: 'dropped', stage: trunk.trunk === undefined ? 'trunk' : 'rule', reason: rule.reason, steps };

  const r = rule.rule;
  const roomPattern = roomPatternFor(r, call);
  steps.push(`The call goes to room ${roomPattern} (${r.rule.kind} dispatch).`);
  if (r.rule.pin !== '') steps.push('The rule has a PIN: the caller is asked for it before joining the room.');
  if (r.agents.length > 0) {
    steps.push(`The rule dispatches agent ${r.agents.map((a) => `"${a}"`).join(', ')} when the room is created.`);
  } else {
    steps.push('The rule names no agent: only workers using automatic dispatch (no agent name) get a job.');
  }
  return {
    outcome: 'routed',
    trunk: trunk.trunk,
    rule: r,
    roomPattern,
    roomKind: r.rule.kind,
    agents: [...r.agents],
    steps,
  };
}

/** LiveKit's `DispatchRulePriority`: lower value wins. */
export function dispatchRulePriority(rule: DispatchRule): number {
  const base = { direct: 0, individual: 1, callee: 2 }[rule.rule.kind];
  let priority = rule.rule.pin !== '' ? base : 100 + base;
  if (rule.inboundNumbers.length === 0) priority += 1000;
  if (rule.numbers.length === 0) priority += 1000;
  return priority;
}

/** The room a rule would create for the call (LiveKit `EvaluateDispatchRule`). */
export function roomPatternFor(
  rule: Pick<DispatchRule, 'rule' | 'hidePhoneNumber'>,
  call: Pick<InboundCall, 'to' | 'from'>,
): string {
  const r = rule.rule;
  switch (r.kind) {
    case 'direct':
      return r.roomName;
    case 'individual': {
      // With hidePhoneNumber LiveKit uses only the caller's last 4 characters (1 if 4 or fewer).
      const from = rule.hidePhoneNumber ? call.from.slice(call.from.length <= 4 ? -1 : -4) : call.from;
      const room = r.roomPrefix !== '' ? `${r.roomPrefix}_${from}` : from;
      return r.noRandomness ? room : `${room}_${RANDOM_PLACEHOLDER}`;
    }
    case 'callee': {
      const room = r.roomPrefix !== '' ? `${r.roomPrefix}_${call.to}` : call.to;
      return r.randomize ? `${room}_${RANDOM_PLACEHOLDER}` : room;
    }
  }
}

type TrunkMatch = { ok: true; trunk: InboundTrunk | undefined } | { ok: false; reason: string };

function matchTrunk(trunks: InboundTrunk[], call: InboundCall, steps: string[]): TrunkMatch {
  const calledNorm = normalizeNumber(call.to);
  const noTrunk: TrunkMatch = { ok: true, trunk: undefined };
  if (trunks.length === 0) {
    steps.push(`There are no LiveKit inbound trunks: LiveKit goes on without a trunk, so ${NO_TRUNK_RULES}.`);
    return noTrunk;
  }
  const sourceIp = call.sourceIp !== undefined ? parseIp(call.sourceIp) : undefined;
  const specific: InboundTrunk[] = [];
  const wildcard: InboundTrunk[] = [];
  let addressesIgnored = false;
  for (const t of trunks) {
    const listsNumber = t.numbers.some((n) => n === call.to || normalizeNumber(n) === calledNorm);
    const isWildcard = t.numbers.length === 0;
    const relevant = listsNumber || isWildcard;
    if (!matchNumbers(call.from, t.allowedNumbers)) {
      if (relevant)
        steps.push(
          `${cap(trunkLabel(t))} ${claim(isWildcard, call.to)} but is skipped: caller ${call.from} is not in its allowed numbers.`,
        );
      continue;
    }
    if (!matchAddresses(sourceIp, call.fromHost, t.allowedAddresses)) {
      if (relevant) {
        steps.push(
          `${cap(trunkLabel(t))} ${claim(isWildcard, call.to)} but is skipped: source ${call.sourceIp ?? ''} is not in its allowed addresses (${t.allowedAddresses.join(', ')}).`,
        );
      }
      continue;
    }
    if (sourceIp === undefined && relevant && t.allowedAddresses.length > 0) addressesIgnored = true;
    if (isWildcard) wildcard.push(t);
    else if (listsNumber) specific.push(t);
  }
  if (addressesIgnored) {
    steps.push('No valid source IP was given, so allowed addresses were not checked (LiveKit does the same).');
  }
  if (specific.length > 1) {
    steps.push(
      `${cap(specific.map(trunkLabel).join(' and '))} ${specific.length === 2 ? 'both' : 'all'} list ${call.to}: LiveKit answers 503 and the call fails.`,
    );
    return { ok: false, reason: `Multiple SIP Trunks matched for ${q(call.to)}` };
  }
  if (specific.length === 1) {
    steps.push(`${cap(trunkLabel(specific[0]!))} lists ${call.to}, so it takes the call.`);
    return { ok: true, trunk: specific[0]! };
  }
  if (wildcard.length > 1) {
    steps.push(
      `No trunk lists ${call.to}, and ${wildcard.map(trunkLabel).join(' and ')} are all wildcard trunks: LiveKit refuses the call.`,
    );
    return { ok: false, reason: `Multiple default SIP Trunks matched for ${q(call.to)}` };
  }
  if (wildcard.length === 1) {
    steps.push(`No trunk lists ${call.to}; wildcard ${trunkLabel(wildcard[0]!)} (no numbers) takes the call.`);
    return { ok: true, trunk: wildcard[0]! };
  }
  steps.push(
    `No inbound trunk lists ${call.to} or accepts it as a wildcard: LiveKit goes on without a trunk, so ${NO_TRUNK_RULES}.`,
  );
  return noTrunk;
}

const NO_TRUNK_RULES =
  'only dispatch rules for all trunks (no trunk IDs) can take the call, with no trunk address or auth check';

type RuleMatch = { ok: true; rule: DispatchRule } | { ok: false; reason: string };

/** LiveKit's wording whenever no rule matches, rules or not (protocol `sip/sip.go` ErrNoDispatchMatched). */
export const NO_RULE_REASON = 'No SIP Dispatch Rules defined';
const DROP = 'LiveKit drops the call without any SIP answer (Sinch sees no response)';
const WORDING = `LiveKit logs "${NO_RULE_REASON}" even though rules exist`;

function matchRule(
  rules: DispatchRule[],
  trunk: InboundTrunk | undefined,
  call: InboundCall,
  steps: string[],
): RuleMatch {
  if (rules.length === 0) {
    steps.push(`There are no dispatch rules: ${DROP}.`);
    return { ok: false, reason: NO_RULE_REASON };
  }
  const specific: DispatchRule[] = [];
  const wildcard: DispatchRule[] = [];
  for (const r of rules) {
    const isWildcard = r.trunkIds.length === 0;
    if (!isWildcard && (trunk === undefined || !r.trunkIds.includes(trunk.id))) continue;
    const label = ruleLabel(r);
    if (r.inboundNumbers.length > 0 && !r.inboundNumbers.includes(call.from)) {
      steps.push(
        `${cap(label)} is skipped: its inbound numbers (callers) ${list(r.inboundNumbers)} do not include caller ${call.from}.${nearMiss(r.inboundNumbers, call.from)}`,
      );
      continue;
    }
    if (r.numbers.length > 0 && !r.numbers.includes(call.to)) {
      steps.push(
        `${cap(label)} is skipped: its numbers (called) ${list(r.numbers)} do not include ${call.to}.${nearMiss(r.numbers, call.to)}`,
      );
      continue;
    }
    (isWildcard ? wildcard : specific).push(r);
  }
  const pick = specific.length > 0 ? specific : wildcard;
  if (pick.length === 0) {
    const scope =
      trunk === undefined
        ? 'No dispatch rule for all trunks'
        : `No dispatch rule for ${trunkLabel(trunk)} or for all trunks`;
    steps.push(`${scope} accepts this call: ${DROP}; ${WORDING}.`);
    return { ok: false, reason: NO_RULE_REASON };
  }
  const sorted = [...pick].sort(compareRules);
  const best = sorted[0]!;
  if (trunk === undefined) {
    steps.push(
      `${cap(ruleLabel(best))} applies to all trunks, so it takes the call although no trunk lists ${call.to}: nothing checked where the call came from.`,
    );
  } else if (specific.length > 0) {
    steps.push(`${cap(ruleLabel(best))} lists ${trunkLabel(trunk)}, so it beats rules for all trunks.`);
  } else {
    steps.push(`No rule lists ${trunkLabel(trunk)}; ${ruleLabel(best)} applies to all trunks.`);
  }
  if (sorted.length > 1) {
    const others = sorted
      .slice(1)
      .map((r) => `${ruleLabel(r)} (${dispatchRulePriority(r)})`)
      .join(', ');
    steps.push(`It wins on priority ${dispatchRulePriority(best)} over ${others}; lower wins.`);
  }
  return { ok: true, rule: best };
}

function compareRules(a: DispatchRule, b: DispatchRule): number {
  const d = dispatchRulePriority(a) - dispatchRulePriority(b);
  if (d !== 0) return d;
  const ra = roomOf(a);
  const rb = roomOf(b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

function roomOf(r: DispatchRule): string {
  return r.rule.kind === 'direct' ? r.rule.roomName : r.rule.roomPrefix;
}

function matchNumbers(num: string, allowed: string[]): boolean {
  if (allowed.length === 0) return true;
  const norm = normalizeNumber(num);
  return allowed.some((a) => a === num || normalizeNumber(a) === norm);
}

/** LiveKit `isValidMask`: entries with these characters or a scheme are ignored. */
function isValidMask(mask: string): boolean {
  return !/[()+*;, \t\n\r]/.test(mask) && !mask.includes('://');
}

function matchAddresses(ip: ParsedIp | undefined, host: string | undefined, masks: string[]): boolean {
  if (ip === undefined) return true;
  const valid = masks.filter(isValidMask);
  if (valid.length === 0) return true;
  return valid.some((m) => (host !== undefined && m === host) || matchMask(ip, m));
}

function matchMask(ip: ParsedIp, mask: string): boolean {
  const slash = mask.indexOf('/');
  if (slash < 0) {
    const exp = parseIp(mask);
    return exp !== undefined && exp.bits === ip.bits && exp.value === ip.value;
  }
  const base = parseIp(mask.slice(0, slash));
  const lenText = mask.slice(slash + 1);
  if (base === undefined || !/^\d{1,3}$/.test(lenText)) return false;
  const len = Number(lenText);
  if (len > base.bits || base.bits !== ip.bits) return false;
  const shift = BigInt(base.bits - len);
  return base.value >> shift === ip.value >> shift;
}

export interface ParsedIp {
  bits: 32 | 128;
  value: bigint;
}

/** IPv4 (no leading zeros, as Go's netip) or IPv6 (with `::` and an embedded IPv4 tail). */
export function parseIp(s: string): ParsedIp | undefined {
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  if (!s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): bigint[] | undefined => {
    if (part === '') return [];
    const out: bigint[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const tail = parseIpv4(item);
        if (tail === undefined) return undefined;
        out.push(tail >> 16n, tail & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        out.push(BigInt(`0x${item}`));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return { bits: 128, value: all.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

function parseIpv4(s: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let value = 0n;
  for (const octet of m.slice(1)) {
    if ((octet.length > 1 && octet.startsWith('0')) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function claim(isWildcard: boolean, to: string): string {
  return isWildcard ? 'is a wildcard trunk' : `lists ${to}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function trunkLabel(t: InboundTrunk): string {
  return `trunk "${t.name}" (${t.id})`;
}

function ruleLabel(r: DispatchRule): string {
  return `rule "${r.name}" (${r.id})`;
}

function list(xs: string[]): string {
  return xs.join(', ');
}

function nearMiss(entries: string[], value: string): string {
  const norm = normalizeNumber(value);
  const close = entries.find((e) => normalizeNumber(e) === norm);
  return close === undefined
    ? ''
    : ` LiveKit compares these exactly: ${q(close)} is written differently from ${q(value)}.`;
}

/** Go's %q for the plain strings we quote. */
function q(s: string): string {
  return JSON.stringify(s);
}
