/**
 * livekit-sip-api.md §5: the validation rules of livekit/protocol (`livekit/sip.go`, `livekit/types.go`,
 * `livekit/sip_validation.go`, `sip/sip.go`) as livekit-server applies them.
 *
 * Go distinguishes plain `errors.New` values from psrpc/Twirp-coded errors: a handler wraps its
 * request validation in `invalid_argument`, but an error returned later (e.g. re-validation after an
 * update was applied) passes `xtwirp.ToError`, so a plain error becomes `unknown` (HTTP 500) while a
 * psrpc-coded one keeps its code. `GoError.code` records that difference.
 */
import {
  CreateSIPParticipantRequest,
  type ListUpdate,
  type SIPDispatchRuleInfo,
  type SIPDispatchRuleUpdate,
  type SIPInboundTrunkInfo,
  type SIPInboundTrunkUpdate,
  SIPMediaConfig,
  SIPMediaEncryption,
  type SIPOutboundTrunkInfo,
  type SIPOutboundTrunkUpdate,
  type TransferSIPParticipantRequest,
} from '@livekit/protocol';
import { TwirpError } from './twirp';

export class GoError extends Error {
  /** undefined = plain Go error; otherwise the Twirp code of the psrpc/twirp error. */
  constructor(
    msg: string,
    readonly code?: string,
  ) {
    super(msg);
    this.name = 'GoError';
  }
}

const plain = (msg: string): GoError => new GoError(msg);
const coded = (code: string, msg: string): GoError => new GoError(msg, code);

/** Runs request validation the way handlers do: `twirp.NewError(twirp.InvalidArgument, err.Error())`. */
export function asInvalidArgument<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GoError) throw new TwirpError('invalid_argument', e.message);
    throw e;
  }
}

/** Runs code whose error the handler returns as is (`xtwirp.ToError`): plain → `unknown`. */
export function asReturned<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GoError) throw new TwirpError(e.code ?? 'unknown', e.message);
    throw e;
  }
}

// ------------------------------------------------------------------ numbers and Go formatting

const RE_NUMBER = /^\+?[\d\- ()]+$/;

/** `livekit.NormalizeNumber`: if it looks like a phone number, drop " -()" and make sure it starts with "+". */
export function normalizeNumber(num: string): string {
  if (num === '') return '';
  if (!RE_NUMBER.test(num)) return num;
  const n = num.replace(/[ \-()]/g, '');
  return n.startsWith('+') ? n : `+${n}`;
}

/** Go `%q` of a string (close enough for the ASCII values used here). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go `%q` of a `[]string`: `["a" "b"]`. */
export function goQuoteList(arr: readonly string[]): string {
  return `[${arr.map(goQuote).join(' ')}]`;
}

// ------------------------------------------------------------------ headers

const TOKEN_CHARS = /^[0-9A-Za-z\-.!%*_+`'~]*$/;
const FORBIDDEN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'allow',
  'allow-events',
  'call-id',
  'contact',
  'content-encoding',
  'content-length',
  'content-type',
  'cseq',
  'event',
  'expires',
  'from',
  'max-forwards',
  'record-route',
  'refer-to',
  'reply-to',
  'k',
  'l',
  'm',
  'o',
  'r',
  't',
  'u',
  'v',
]);

function firstBadChar(s: string, ok: (c: number) => boolean): number | undefined {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (!ok(c)) return c;
  }
  return undefined;
}

/** `ValidateHeaderName`. */
export function headerNameError(name: string, restrictNames: boolean): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (Buffer.byteLength(name) > 255) return 'header name too long (max 255 characters)';
  if (!TOKEN_CHARS.test(name)) {
    const c = firstBadChar(name, (x) => x < 128 && TOKEN_CHARS.test(String.fromCharCode(x)))!;
    const why =
      c >= 128 ? `char ${c} out of range, consider explicilty adding utf8 characters` : `char ${c} not allowed`;
    return `header name ${name} contains invalid characters: ${why}`;
  }
  if (restrictNames && FORBIDDEN_HEADERS.has(name.toLowerCase())) return `header name ${name} not supported`;
  return undefined;
}

/** `validateHeaders` (header map sent to the remote side). */
export function validateHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    const nameErr = headerNameError(name, true);
    if (nameErr) throw plain(`invalid header name: ${nameErr}`);
    if (value === '') continue;
    if (Buffer.byteLength(value) > 1024)
      throw plain(`invalid header value for ${name}: header ${name}: value too long (max 1024 characters)`);
    const bad = firstBadChar(value, (c) => c >= 128 || c === 0x09 || (c >= 0x20 && c <= 0x7e));
    if (bad !== undefined)
      throw plain(`invalid header value for ${name}: header ${name}: value: char ${bad} not allowed`);
  }
}

function validateHeaderMapNames(names: Iterable<string>): void {
  for (const n of names) {
    const err = headerNameError(n, false);
    if (err) throw plain(`invalid header name: ${err}`);
  }
}

// ------------------------------------------------------------------ media

const MAX_MEDIA_TIMEOUT_S = 600;

/** `SIPMediaConfig.Validate`. */
export function validateMedia(m: SIPMediaConfig | undefined): void {
  if (!m) return;
  for (const c of m.codecs) {
    if (c.name === '') throw plain('missing codec name');
    if (/[ \t\n\r]/.test(c.name)) throw plain('invalid codec name');
    if (c.name.includes('/')) throw plain("codec name must not contain '/'");
  }
  if (m.mediaTimeout) {
    const s = Number(m.mediaTimeout.seconds) + m.mediaTimeout.nanos / 1e9;
    if (s < 0) throw plain('media_timeout must not be negative');
    if (s > MAX_MEDIA_TIMEOUT_S) throw plain('media_timeout must not exceed 10m0s');
  }
}

// ------------------------------------------------------------------ ListUpdate and map diffs

/** `ListUpdate.Validate` (same check order as Go). */
export function validateListUpdate(u: ListUpdate | undefined): void {
  if (!u) return;
  const change = u.set.length + u.add.length + u.remove.length > 0;
  if (!u.clear && !change) throw plain('unsupported list update operation');
  if (u.clear && change) throw plain('cannot clear and change the list at the same time');
  if (u.set.length > 0 && u.add.length + u.remove.length > 0)
    throw plain('cannot set and change the list at the same time');
  for (const v of [...u.set, ...u.add, ...u.remove]) if (v === '') throw plain('empty element in the list');
}

/** `applyListUpdate`: clear → empty; set replaces; else remove (first occurrence) then add (no duplicates). */
export function applyListUpdate(list: readonly string[], u: ListUpdate | undefined): string[] {
  if (!u) return [...list];
  if (u.clear) return [];
  if (u.set.length > 0) return [...u.set];
  const out = [...list];
  for (const v of u.remove) {
    const i = out.indexOf(v);
    if (i >= 0) out.splice(i, 1);
  }
  for (const v of u.add) if (!out.includes(v)) out.push(v);
  return out;
}

/** `applyMapDiff`: "" deletes the key. */
export function applyMapDiff(
  map: Record<string, string>,
  diff: Readonly<Record<string, string>>,
): Record<string, string> {
  const out = { ...map };
  for (const [k, v] of Object.entries(diff)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

// ------------------------------------------------------------------ trunks

/** `SIPInboundTrunkInfo.ValidateResult`. */
export function validateInboundTrunk(t: SIPInboundTrunkInfo): void {
  const hasAuth = t.authUsername !== '' || t.authPassword !== '';
  if (!hasAuth && t.allowedAddresses.length === 0 && t.numbers.length === 0) {
    throw coded(
      'invalid_argument',
      'for security, one of the fields must be set: AuthUsername+AuthPassword, AllowedAddresses or Numbers',
    );
  }
  validateMedia(t.media);
  validateHeaders(t.headers);
  validateHeaderMapNames(Object.values(t.attributesToHeaders));
  validateHeaderMapNames(Object.keys(t.headersToAttributes));
}

function hostnameFormatError(value: string, field: string): string | undefined {
  if (value.includes('transport=')) return `${field} should not contain transport parameter`;
  if (/[@;]/.test(value) || value.startsWith('sip:') || value.startsWith('sips:'))
    return `${field} should be a hostname or IP, not SIP URI`;
  return undefined;
}

/** `SIPOutboundTrunkInfo.ValidateResult`. */
export function validateOutboundTrunk(t: SIPOutboundTrunkInfo): void {
  if (t.numbers.length === 0) throw plain('no trunk numbers specified');
  if (t.address === '') throw plain('no outbound address specified');
  const e = hostnameFormatError(t.address, 'trunk address') ?? hostnameFormatError(t.fromHost, 'from_host');
  if (e) throw plain(e);
  validateHeaders(t.headers);
  validateHeaderMapNames(Object.values(t.attributesToHeaders));
  validateHeaderMapNames(Object.keys(t.headersToAttributes));
  validateMedia(t.media);
}

export function validateInboundUpdate(u: SIPInboundTrunkUpdate): void {
  validateListUpdate(u.numbers);
  validateListUpdate(u.allowedAddresses);
  validateListUpdate(u.allowedNumbers);
  validateMedia(u.media);
}

export function validateOutboundUpdate(u: SIPOutboundTrunkUpdate): void {
  validateListUpdate(u.numbers);
  validateMedia(u.media);
}

type WithMedia = { media?: SIPMediaConfig; mediaEncryption: SIPMediaEncryption };

/**
 * protocol `livekit/sip.go` `updateMediaConfig` + `SIPMediaConfig.UpgradeWith`: the new `media` replaces
 * the old one whole, the deprecated `media_encryption` is applied, then upgraded into `media.encryption`
 * only when that is unset and the value is not DISABLE (DISABLE is the zero value, "unset"), and finally
 * the legacy field is downgraded from `media.encryption`. So once `media.encryption` is set, a
 * `media_encryption`-only update is overwritten by it: "require" → "disable" that way is a no-op.
 */
export function updateMediaConfig(
  t: WithMedia,
  u: { media?: SIPMediaConfig; mediaEncryption?: SIPMediaEncryption },
): void {
  if (u.media) t.media = u.media.clone();
  if (u.mediaEncryption !== undefined) t.mediaEncryption = u.mediaEncryption;
  const media = t.media ?? new SIPMediaConfig();
  if (media.encryption === undefined && t.mediaEncryption !== SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE)
    media.encryption = t.mediaEncryption;
  t.media = media;
  t.mediaEncryption = media.encryption ?? SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE;
}

/** `SIPInboundTrunkUpdate.ApplyResult` on a clone; re-validates the whole trunk. */
export function applyInboundUpdate(info: SIPInboundTrunkInfo, u: SIPInboundTrunkUpdate): SIPInboundTrunkInfo {
  validateInboundUpdate(u);
  const t = info.clone();
  t.numbers = applyListUpdate(t.numbers, u.numbers);
  t.allowedAddresses = applyListUpdate(t.allowedAddresses, u.allowedAddresses);
  t.allowedNumbers = applyListUpdate(t.allowedNumbers, u.allowedNumbers);
  if (u.authUsername !== undefined) t.authUsername = u.authUsername;
  if (u.authPassword !== undefined) t.authPassword = u.authPassword;
  if (u.authRealm !== undefined) t.authRealm = u.authRealm;
  if (u.name !== undefined) t.name = u.name;
  if (u.metadata !== undefined) t.metadata = u.metadata;
  updateMediaConfig(t, u);
  validateInboundTrunk(t);
  return t;
}

/** `SIPOutboundTrunkUpdate.ApplyResult` on a clone; re-validates the whole trunk. */
export function applyOutboundUpdate(info: SIPOutboundTrunkInfo, u: SIPOutboundTrunkUpdate): SIPOutboundTrunkInfo {
  validateOutboundUpdate(u);
  const t = info.clone();
  if (u.address !== undefined) t.address = u.address;
  if (u.transport !== undefined) t.transport = u.transport;
  if (u.destinationCountry !== undefined) t.destinationCountry = u.destinationCountry;
  t.numbers = applyListUpdate(t.numbers, u.numbers);
  if (u.authUsername !== undefined) t.authUsername = u.authUsername;
  if (u.authPassword !== undefined) t.authPassword = u.authPassword;
  if (u.name !== undefined) t.name = u.name;
  if (u.metadata !== undefined) t.metadata = u.metadata;
  if (u.fromHost !== undefined) t.fromHost = u.fromHost;
  updateMediaConfig(t, u);
  validateOutboundTrunk(t);
  return t;
}

const printId = (id: string): string => (id === '' ? '<new>' : id);
const printNumbers = (n: readonly string[]): string => (n.length === 0 ? '<any>' : goQuoteList(n));

/**
 * `sip.ValidateTrunksIter` over trunks in store order (sorted by ID, the candidate replaced in place
 * or appended): bucket by normalized called number (`""` = no numbers); inside a bucket, two trunks
 * without allowedNumbers, or sharing a normalized allowed number, conflict.
 */
export function checkInboundTrunkConflicts(trunks: readonly SIPInboundTrunkInfo[]): void {
  const buckets = new Map<string, Map<string, SIPInboundTrunkInfo>>();
  const bucket = (k: string) => {
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = new Map()));
    return b;
  };
  const check = (byInbound: Map<string, SIPInboundTrunkInfo>, t: SIPInboundTrunkInfo) => {
    if (t.allowedNumbers.length === 0) {
      const t2 = byInbound.get('');
      if (t2 && t2.sipTrunkId !== t.sipTrunkId) {
        throw new TwirpError(
          'invalid_argument',
          `Conflicting inbound SIP Trunks: ${goQuote(printId(t.sipTrunkId))} and ${goQuote(printId(t2.sipTrunkId))}, using the same number(s) ${printNumbers(t.numbers)} without AllowedNumbers set`,
        );
      }
      byInbound.set('', t);
      return;
    }
    const seen = new Set<string>();
    for (const num of t.allowedNumbers) {
      const key = normalizeNumber(num);
      if (seen.has(key)) continue;
      seen.add(key);
      const t2 = byInbound.get(key);
      if (t2 && t2.sipTrunkId !== t.sipTrunkId) {
        throw new TwirpError(
          'invalid_argument',
          `Conflicting inbound SIP Trunks: ${goQuote(printId(t.sipTrunkId))} and ${goQuote(printId(t2.sipTrunkId))}, using the same number(s) ${printNumbers(t.numbers)} and AllowedNumber ${goQuote(num)}`,
        );
      }
      byInbound.set(key, t);
    }
  };
  for (const t of trunks) {
    if (t.numbers.length === 0) {
      check(bucket(''), t);
      continue;
    }
    const seen = new Set<string>();
    for (const num of t.numbers) {
      const key = normalizeNumber(num);
      if (seen.has(key)) continue;
      seen.add(key);
      check(bucket(key), t);
    }
  }
}

// ------------------------------------------------------------------ dispatch rules

/** `GetPinAndRoom`. */
export function pinAndRoom(r: SIPDispatchRuleInfo): { room: string; pin: string } {
  const rule = r.rule?.rule;
  switch (rule?.case) {
    case 'dispatchRuleDirect':
      return { room: rule.value.roomName, pin: rule.value.pin };
    case 'dispatchRuleIndividual':
      return { room: rule.value.roomPrefix, pin: rule.value.pin };
    case 'dispatchRuleCallee':
      return { room: rule.value.roomPrefix, pin: rule.value.pin };
    default:
      throw coded('invalid_argument', 'unsupported SIP Dispatch Rule: <nil>');
  }
}

/** `SIPDispatchRuleInfo.Validate`. */
export function validateDispatchRule(r: SIPDispatchRuleInfo): void {
  if (!r.rule) throw plain('missing rule');
  validateMedia(r.media);
}

export function validateDispatchRuleUpdate(u: SIPDispatchRuleUpdate): void {
  validateListUpdate(u.trunkIds);
  validateMedia(u.media);
}

/** `SIPDispatchRuleUpdate.Apply` on a clone. */
export function applyDispatchRuleUpdate(info: SIPDispatchRuleInfo, u: SIPDispatchRuleUpdate): SIPDispatchRuleInfo {
  validateDispatchRuleUpdate(u);
  const r = info.clone();
  r.trunkIds = applyListUpdate(r.trunkIds, u.trunkIds);
  if (u.rule) r.rule = u.rule.clone();
  if (u.name !== undefined) r.name = u.name;
  if (u.metadata !== undefined) r.metadata = u.metadata;
  r.attributes = applyMapDiff(r.attributes, u.attributes);
  updateMediaConfig(r, u);
  validateDispatchRule(r);
  return r;
}

/**
 * `sip.DispatchRuleValidator` over rules in store order: every rule expands to keys
 * (pin, trunk|"", normalized inbound number|"", normalized number|""); a shared key is a conflict.
 */
export function checkDispatchRuleConflicts(rules: readonly SIPDispatchRuleInfo[]): void {
  const byKey = new Map<string, SIPDispatchRuleInfo>();
  for (const r of rules) {
    let pin: string;
    try {
      pin = pinAndRoom(r).pin;
    } catch (e) {
      if (e instanceof GoError) throw new TwirpError(e.code ?? 'unknown', e.message);
      throw e;
    }
    const trunks = r.trunkIds.length ? r.trunkIds : [''];
    const inbound = r.inboundNumbers.length ? r.inboundNumbers : [''];
    const numbers = r.numbers.length ? r.numbers : [''];
    for (const t of trunks) {
      for (const i of inbound) {
        for (const n of numbers) {
          const key = JSON.stringify([pin, t, normalizeNumber(i), normalizeNumber(n)]);
          const r2 = byKey.get(key);
          if (r2) {
            throw new TwirpError(
              'invalid_argument',
              `Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule ${goQuote(printId(r2.sipDispatchRuleId))} ${goQuote(r2.name === '' ? '<blank name>' : r2.name)}`,
            );
          }
          byKey.set(key, r);
        }
      }
    }
  }
}

// ------------------------------------------------------------------ calls

const TOKEN_ONLY = /^[0-9A-Za-z\-.!%*_+`'~]*$/;

/** `CreateSIPParticipantRequest.ValidateResult`. */
export function validateCreateSipParticipant(req: CreateSIPParticipantRequest): void {
  if (req.sipTrunkId === '' && !req.trunk && req.sipNumber === '') throw plain('missing sip trunk id and sip number');
  if (req.trunk) {
    const t = req.trunk;
    if (t.hostname === '') throw plain('no outbound hostname specified');
    const e = hostnameFormatError(t.hostname, 'trunk hostname') ?? hostnameFormatError(t.fromHost, 'from_host');
    if (e) throw plain(e);
    validateHeaderMapNames(Object.values(t.attributesToHeaders));
    validateHeaderMapNames(Object.keys(t.headersToAttributes));
  }
  if (req.sipCallTo === '') throw plain('missing sip callee number');
  if (req.sipCallTo.includes('@')) throw plain('SipCallTo should be a phone number or SIP user, not a full SIP URI');
  if (req.toUserOverride !== '') {
    if (req.toUserOverride.includes('@'))
      throw plain('ToUserOverride should be a phone number or SIP user, not a full SIP URI');
    if (!TOKEN_ONLY.test(req.toUserOverride)) {
      const c = firstBadChar(req.toUserOverride, (x) => x < 128 && TOKEN_ONLY.test(String.fromCharCode(x)))!;
      throw plain(`ToUserOverride contains invalid characters: char ${c} not allowed`);
    }
  }
  if (req.roomName === '') throw plain('missing room name');
  if (req.displayName !== undefined && Buffer.byteLength(req.displayName) > 128)
    throw plain('DisplayName too long (max 128 characters)');
  const d = req.destination;
  if (d) {
    if (d.city !== '' && d.country === '' && d.region === '')
      throw plain('if city is specified, country or region must also be specified');
    if (d.country !== '' && !/^[A-Z]{2}$/.test(d.country)) {
      throw plain("country must be a valid ISO 3166-1 alpha-2 code (2-letter like 'US', 'IN', 'UK')");
    }
  }
  validateHeaders(req.headers);
  validateMedia(req.media);
}

/** `TransferSIPParticipantRequest.ValidateResult` (after the room/identity checks); returns the normalized target. */
export function validateTransfer(req: TransferSIPParticipantRequest): string {
  if (req.roomName === '') throw plain('missing room name');
  if (req.participantIdentity === '') throw plain('missing participant identity');
  if (req.transferTo === '') throw plain('missing transfer to');
  const inner =
    req.transferTo.startsWith('<') && req.transferTo.endsWith('>') ? req.transferTo.slice(1, -1) : req.transferTo;
  if (!/^(sip:|sips:|tel:)/.test(inner))
    throw plain('transfer_to must be a valid SIP(s) or TEL URI (sip:, sips: or tel:)');
  validateHeaders(req.headers);
  return inner.startsWith('tel:') ? inner : `<${inner}>`;
}
