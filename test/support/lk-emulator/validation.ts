import type { ListUpdate, SIPDispatchRuleInfo, SIPInboundTrunkInfo, SIPOutboundTrunkInfo } from '@livekit/protocol';
import { invalid, TwirpError } from './twirp';

/** livekit.NormalizeNumber: if it looks like a phone number, strip " -()" and prefix "+". */
export function normalizeNumber(s: string): string {
  if (!/^\+?[\d\- ()]+$/.test(s)) return s;
  return `+${s.replace(/[\s\-()+]/g, '')}`;
}

const FORBIDDEN_HEADERS = new Set([
  'call-id',
  'contact',
  'content-type',
  'content-length',
  'cseq',
  'from',
  'to',
  'via',
  'max-forwards',
  'refer-to',
  'expires',
  'route',
  'record-route',
]);

function validateHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9\-.!%*_+`'~]{1,255}$/.test(name) || FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      throw invalid(`invalid header name: ${name}`);
    }
    if (value.length > 1024 || !/^[\x20-\x7e]*$/.test(value)) throw invalid(`invalid header value for ${name}`);
  }
}

export function validateInbound(t: SIPInboundTrunkInfo): void {
  const hasAuth = t.authUsername !== '' && t.authPassword !== '';
  if (!hasAuth && t.allowedAddresses.length === 0 && t.numbers.length === 0) {
    throw invalid('for security, one of the fields must be set: AuthUsername+AuthPassword, AllowedAddresses or Numbers');
  }
  validateHeaders(t.headers);
  for (const n of t.numbers) if (n === '') throw invalid('empty element in the list');
}

/** sip.ValidateTrunksIter: bucket by normalized number; in a bucket, trunks without allowedNumbers (or sharing one) conflict. */
export function checkInboundConflicts(existing: SIPInboundTrunkInfo[], candidate: SIPInboundTrunkInfo): void {
  const candNumbers = candidate.numbers.length ? candidate.numbers.map(normalizeNumber) : [''];
  const candAllowed = new Set(candidate.allowedNumbers.map(normalizeNumber));
  for (const t of existing) {
    if (t.sipTrunkId === candidate.sipTrunkId) continue;
    const theirs = t.numbers.length ? t.numbers.map(normalizeNumber) : [''];
    const shared = candNumbers.filter((n) => theirs.includes(n));
    if (shared.length === 0) continue;
    const name = candidate.sipTrunkId || '<new>';
    if (candAllowed.size === 0 && t.allowedNumbers.length === 0) {
      throw invalid(
        `Conflicting inbound SIP Trunks: "${name}" and "${t.sipTrunkId}", using the same number(s) ${JSON.stringify(shared)} without AllowedNumbers set`,
      );
    }
    const sharedAllowed = t.allowedNumbers.map(normalizeNumber).find((a) => candAllowed.has(a));
    if (sharedAllowed) {
      throw invalid(
        `Conflicting inbound SIP Trunks: "${name}" and "${t.sipTrunkId}", using the same number(s) ${JSON.stringify(shared)} and AllowedNumber "${sharedAllowed}"`,
      );
    }
  }
}

export function validateOutbound(t: SIPOutboundTrunkInfo): void {
  if (t.numbers.length === 0) throw invalid('no trunk numbers specified');
  if (t.address === '') throw invalid('no outbound address specified');
  for (const [field, v] of [
    ['address', t.address],
    ['from_host', t.fromHost],
  ] as const) {
    if (v === '') continue;
    if (/^sips?:/i.test(v) || v.includes('@') || (v.includes(';') && !v.includes('transport='))) {
      throw invalid(field === 'address' ? 'trunk address should be a hostname or IP, not SIP URI' : 'from_host should be a hostname or IP, not SIP URI');
    }
    if (v.includes('transport=')) throw invalid(field === 'address' ? 'trunk address should not contain transport parameter' : 'from_host should not contain transport parameter');
  }
  validateHeaders(t.headers);
}

/** applyListUpdate: clear → empty; set replaces; otherwise remove then add (duplicates skipped). */
export function applyListUpdate(list: string[], u: ListUpdate | undefined): string[] {
  if (!u) return list;
  const hasChange = u.add.length > 0 || u.remove.length > 0;
  if (u.clear && (hasChange || u.set.length)) throw invalid('cannot clear and change the list at the same time');
  if (u.set.length && hasChange) throw invalid('cannot set and change the list at the same time');
  if (!u.clear && !u.set.length && !hasChange) throw invalid('unsupported list update operation');
  for (const v of [...u.set, ...u.add, ...u.remove]) if (v === '') throw invalid('empty element in the list');
  if (u.clear) return [];
  if (u.set.length) return [...u.set];
  const out = list.filter((v) => !u.remove.includes(v));
  for (const a of u.add) if (!out.includes(a)) out.push(a);
  return out;
}

function ruleKeys(r: SIPDispatchRuleInfo): string[] {
  const pin = r.rule?.rule.case ? (r.rule.rule.value as { pin?: string }).pin ?? '' : '';
  const trunks = r.trunkIds.length ? r.trunkIds : [''];
  const inbound = r.inboundNumbers.length ? r.inboundNumbers.map(normalizeNumber) : [''];
  const numbers = r.numbers.length ? r.numbers.map(normalizeNumber) : [''];
  const keys: string[] = [];
  for (const t of trunks) for (const i of inbound) for (const n of numbers) keys.push(`${pin}\u0000${t}\u0000${i}\u0000${n}`);
  return keys;
}

export function validateRule(r: SIPDispatchRuleInfo): void {
  if (!r.rule || r.rule.rule.case === undefined) throw invalid('missing rule');
}

/** sip.DispatchRuleValidator: any shared (pin, trunk, inbound number, number) key conflicts. */
export function checkRuleConflicts(existing: SIPDispatchRuleInfo[], candidate: SIPDispatchRuleInfo): void {
  const mine = new Set(ruleKeys(candidate));
  for (const r of existing) {
    if (r.sipDispatchRuleId === candidate.sipDispatchRuleId) continue;
    if (ruleKeys(r).some((k) => mine.has(k))) {
      throw invalid(
        `Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule "${r.sipDispatchRuleId}" "${r.name || '<blank name>'}"`,
      );
    }
  }
}

export { TwirpError };
