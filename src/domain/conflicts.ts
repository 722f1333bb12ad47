/**
 * LiveKit's own conflict rules for inbound trunks and dispatch rules
 * (livekit-sip-api.md §5; protocol `sip/sip.go` `ValidateTrunksIter`, `DispatchRuleValidator.Validate`),
 * run locally so SIP Ops can refuse a change before it touches LiveKit.
 */
import type { BindingResources } from './binding';
import { normalizeNumber } from './e164';
import type { DispatchRule, InboundTrunk } from './livekit-model';

export interface InboundTrunkCandidate {
  /** Set when updating: the trunk's own stored version is not a conflict. */
  id?: string;
  numbers: string[];
  allowedNumbers: string[];
}

export interface InboundTrunkConflict {
  trunkId: string;
  trunkName: string;
  /** The shared called numbers, normalized; empty when both trunks are wildcards (no numbers). */
  numbers: string[];
}

/**
 * Existing inbound trunks LiveKit would refuse the candidate for.
 * Trunks are bucketed by normalized called number (`""` = wildcard trunks, no numbers).
 * Inside a bucket two trunks conflict when neither sets `allowedNumbers`, or when they share
 * a normalized `allowedNumbers` entry; a trunk with `allowedNumbers` never conflicts with one without.
 * A candidate with numbers does not share a bucket with wildcard trunks.
 * Unlike LiveKit (which stops at the first), every conflicting trunk is returned, in input order.
 */
export function findInboundTrunkConflicts(
  existing: InboundTrunk[],
  candidate: InboundTrunkCandidate,
): InboundTrunkConflict[] {
  const candidateBuckets = bucketKeys(candidate.numbers);
  const candidateAllowed = allowedKeys(candidate.allowedNumbers);
  const conflicts: InboundTrunkConflict[] = [];
  for (const trunk of existing) {
    if (candidate.id !== undefined && candidate.id !== '' && trunk.id === candidate.id) continue;
    const trunkBuckets = new Set(bucketKeys(trunk.numbers));
    const shared = candidateBuckets.filter((k) => trunkBuckets.has(k));
    if (shared.length === 0) continue;
    const trunkAllowed = allowedKeys(trunk.allowedNumbers);
    if (!allowedOverlap(candidateAllowed, trunkAllowed)) continue;
    conflicts.push({ trunkId: trunk.id, trunkName: trunk.name, numbers: shared.filter((k) => k !== '') });
  }
  return conflicts;
}

export interface DispatchRuleCandidate {
  /** Set when updating: the rule's own stored version is not a conflict. */
  id?: string;
  trunkIds: string[];
  inboundNumbers: string[];
  numbers: string[];
  pin: string;
}

export interface DispatchRuleConflict {
  ruleId: string;
  ruleName: string;
}

/**
 * Existing dispatch rules LiveKit would refuse the candidate for. Each rule expands to keys
 * (pin, trunkId or "", normalized inbound number or "", normalized number or ""); any shared key
 * is a conflict. So two rules without trunk IDs and the same PIN conflict, `[ST_a]` does not
 * conflict with a wildcard rule, and `[ST_a]` conflicts with `[ST_a, ST_b]`.
 */
export function findDispatchRuleConflicts(
  existing: DispatchRule[],
  candidate: DispatchRuleCandidate,
): DispatchRuleConflict[] {
  const candidateKeys = new Set(ruleKeys(candidate));
  const conflicts: DispatchRuleConflict[] = [];
  for (const rule of existing) {
    if (candidate.id !== undefined && candidate.id !== '' && rule.id === candidate.id) continue;
    const keys = ruleKeys({
      trunkIds: rule.trunkIds,
      inboundNumbers: rule.inboundNumbers,
      numbers: rule.numbers,
      pin: rule.rule.pin,
    });
    if (keys.some((k) => candidateKeys.has(k))) conflicts.push({ ruleId: rule.id, ruleName: rule.name });
  }
  return conflicts;
}

/**
 * Why the binding's dispatch rule clashes with another rule on its inbound trunk, or undefined. LiveKit
 * itself can store such a clash: an update is checked only against the rules listed with the NEW trunk
 * IDs, and the updated rule only where its stored version is in that list (livekit/livekit
 * `pkg/service/sip.go` UpdateSIPDispatchRule), so moving a rule onto another trunk is never checked.
 * Calls on the trunk then go to whichever rule sorts first. The binding's rule has no PIN and no number
 * filters (binding-resources `desiredRule`).
 */
export function bindingRuleConflictError(rules: DispatchRule[], resources: BindingResources): string | undefined {
  const trunkId = resources.inboundTrunkId;
  if (trunkId === undefined || trunkId === '') return undefined;
  const clashes = findDispatchRuleConflicts(rules, {
    ...(resources.dispatchRuleId ? { id: resources.dispatchRuleId } : {}),
    trunkIds: [trunkId],
    inboundNumbers: [],
    numbers: [],
    pin: '',
  });
  if (clashes.length === 0) return undefined;
  const list = clashes.map((c) => `${c.ruleId} (${c.ruleName || 'unnamed'})`).join(', ');
  return `Dispatch rule ${list} also takes every call on inbound trunk ${trunkId} with no PIN, like this binding's rule: calls would go to only one of them. Delete it or move it to another trunk (lk sip dispatch delete/update …) first.`;
}

/** Normalized called-number buckets of a trunk; a wildcard trunk sits in the `""` bucket. */
function bucketKeys(numbers: string[]): string[] {
  if (numbers.length === 0) return [''];
  return unique(numbers.map(normalizeNumber));
}

/** `undefined` = no allowedNumbers (the `""` slot inside a bucket). */
function allowedKeys(allowedNumbers: string[]): Set<string> | undefined {
  return allowedNumbers.length === 0 ? undefined : new Set(allowedNumbers.map(normalizeNumber));
}

function allowedOverlap(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  for (const k of a) if (b.has(k)) return true;
  return false;
}

function ruleKeys(r: Omit<DispatchRuleCandidate, 'id'>): string[] {
  const orAny = (xs: string[]): string[] => (xs.length === 0 ? [''] : xs);
  const keys: string[] = [];
  for (const trunk of orAny(r.trunkIds)) {
    for (const inbound of orAny(r.inboundNumbers)) {
      for (const number of orAny(r.numbers)) {
        keys.push(JSON.stringify([r.pin, trunk, normalizeNumber(inbound), normalizeNumber(number)]));
      }
    }
  }
  return keys;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
