/**
 * Raw binding form input (all strings, as a Slack modal gives them) → a valid `BindingSpec`,
 * with one short message per field; plus the reverse (pre-filling the edit form) and a
 * field-by-field diff that never shows a password.
 */
import { z } from 'zod';
import type { BindingSpec, Dispatch, OutboundAuth } from './binding';
import { DEFAULT_ROOM_PREFIX } from './binding';
import { E164_EXAMPLE, parseE164, parseNumberList } from './e164';

export const BINDING_FIELDS = [
  'name',
  'trunkDomain',
  'dids',
  'callerId',
  'authKind',
  'digestUsername',
  'digestPassword',
  'transport',
  'livekitSipHost',
  'dispatchKind',
  'roomPrefix',
  'roomName',
  'agentName',
  'reportChannel',
  'estSide',
] as const;

export type BindingField = (typeof BINDING_FIELDS)[number];

/** What the modal submits: every field a string, missing, or null (Slack's empty value). */
export type BindingFormInput = Partial<Record<BindingField, string | null | undefined>>;

export type BindingFieldErrors = Partial<Record<BindingField, string>>;

export type BindingInputResult = { ok: true; spec: BindingSpec } | { ok: false; errors: BindingFieldErrors };

export interface BindingInputOptions {
  /** The stored binding when editing: an empty digest password keeps its password. */
  existing?: BindingSpec;
}

export const MAX_DIDS = 50;

const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ROOM_PREFIX = /^[A-Za-z0-9_-]{0,64}$/;
const ROOM_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const AGENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

/** Trimmed text; missing and null read as empty. */
const text = z
  .string()
  .nullish()
  .transform((s) => (s ?? '').trim());

/** Like `text`, but not trimmed (passwords keep their spaces). */
const secret = z
  .string()
  .nullish()
  .transform((s) => s ?? '');

const MSG = {
  name: 'Use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit, e.g. acme-us.',
  trunkDomain: 'Enter the EST trunk domain only, without sip: or a port, e.g. acme.pstn.sinch.com.',
  livekitSipHost: 'Enter the public host name or IPv4 address of LiveKit SIP, without a port, e.g. sip.example.com.',
  authKind: 'Choose ACL (IP allow-list) or digest authentication.',
  digestUsername: 'Digest auth needs the username of the EST credential list (no spaces, at most 128 characters).',
  digestPassword: 'Digest auth needs the password of the EST credential list.',
  transport: 'Choose UDP, TCP or TLS.',
  dispatchKind: 'Choose individual (a room per call), direct (one fixed room) or callee (a room per number).',
  roomPrefix: 'Use at most 64 letters, digits, _ or -, e.g. est-inbound-.',
  roomName: 'A direct dispatch needs a room name of 1–128 letters, digits, _, . or -.',
  agentName: 'Use 1–64 letters, digits, _, . or -, or leave it empty.',
  reportChannel: 'Pick a Slack channel (an ID such as C0123ABCD).',
  estSide: 'Choose "Managed by SIP Ops" or "Manual (checklist)".',
} satisfies Partial<Record<BindingField, string>>;

/** A text field whose value must satisfy `check`, which returns an error sentence or the parsed value. */
function checked<T>(check: (s: string) => { ok: true; value: T } | { ok: false; error: string }) {
  return text.transform((s, ctx) => {
    const r = check(s);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  });
}

const lower = text.transform((s) => s.toLowerCase());

/** Each field is checked on its own, so every bad field is reported at once. */
const fieldsSchema = z.object({
  name: text.pipe(z.string().regex(SLUG, MSG.name)),
  trunkDomain: checked((s) => hostResult(s, 'fqdn')),
  dids: checked(didsResult),
  callerId: checked((s) =>
    s === '' ? { ok: false, error: `Enter the caller ID in E.164, e.g. ${E164_EXAMPLE}.` } : parseE164(s),
  ),
  authKind: lower.pipe(z.enum(['acl', 'digest'], MSG.authKind)),
  digestUsername: text,
  digestPassword: secret,
  transport: lower.pipe(z.enum(['udp', 'tcp', 'tls'], MSG.transport)),
  livekitSipHost: checked((s) => hostResult(s, 'fqdn-or-ipv4')),
  dispatchKind: lower.pipe(z.enum(['individual', 'direct', 'callee'], MSG.dispatchKind)),
  roomPrefix: text.pipe(z.string().regex(ROOM_PREFIX, MSG.roomPrefix)),
  roomName: text,
  agentName: text.pipe(z.union([z.literal(''), z.string().regex(AGENT_NAME, MSG.agentName)])),
  reportChannel: text.transform(channelIdFrom).pipe(z.string().regex(CHANNEL_ID, MSG.reportChannel)),
  // Absent (older forms, no Sinch access key): manual.
  estSide: lower.pipe(z.enum(['', 'managed', 'manual'], MSG.estSide)),
});

type ParsedFields = z.output<typeof fieldsSchema>;

/** A binding name is a slug: 3–40 lowercase letters, digits and hyphens. */
export function isBindingName(s: string): boolean {
  return SLUG.test(s);
}

/**
 * One field checked on its own with the form's validator (the same rules and sentence as the
 * modal), for other ways in (`/sip-setup import`). Cross-field rules (digest, direct room) are
 * left to `specFromFields`.
 */
export function checkBindingField(
  field: SingleField,
  raw: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const r = fieldsSchema.shape[field].safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: r.error.issues[0]?.message ?? `Invalid ${field}.` };
}

/** The fields whose validated value is a single string. */
export type SingleField = Exclude<BindingField, 'dids' | 'digestPassword' | 'authKind' | 'transport' | 'dispatchKind'>;

/** A channel typed as a Slack mention (`<#C123|name>`) gives its ID; anything else is kept as typed. */
export function channelIdFrom(s: string): string {
  return /^<#([A-Z0-9]+)(\|[^>]*)?>$/.exec(s)?.[1] ?? s;
}

/**
 * Validates the modal's fields into a `BindingSpec`. On error, every bad field gets one short
 * sentence (the first problem found for it), keyed by the modal field.
 */
export function specFromFields(input: BindingFormInput, options: BindingInputOptions = {}): BindingInputResult {
  const parsed = fieldsSchema.safeParse(input);
  const errors: BindingFieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (isBindingField(field) && errors[field] === undefined) errors[field] = issue.message;
    }
  }
  // Checks that depend on another field's choice run on the raw values, whatever else failed.
  const raw = (f: BindingField): string => (input[f] ?? '').trim();
  if (raw('authKind').toLowerCase() === 'digest') {
    const username = raw('digestUsername');
    if (username === '' || /\s/.test(username) || username.length > 128) errors.digestUsername = MSG.digestUsername;
    const password = input.digestPassword ?? '';
    if (password.length > 128) errors.digestPassword = 'The password can have at most 128 characters.';
    else if (password === '' && options.existing?.auth.kind !== 'digest') errors.digestPassword = MSG.digestPassword;
  }
  if (raw('dispatchKind').toLowerCase() === 'direct' && !ROOM_NAME.test(raw('roomName')))
    errors.roomName = MSG.roomName;

  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const f = parsed.data;
  const spec: BindingSpec = {
    name: f.name,
    trunkDomain: f.trunkDomain,
    dids: f.dids,
    callerId: f.callerId,
    auth: authFrom(f, options.existing),
    transport: f.transport,
    livekitSipHost: f.livekitSipHost,
    dispatch: dispatchFrom(f),
    reportChannel: f.reportChannel,
  };
  if (f.agentName !== '') spec.agentName = f.agentName;
  if (f.estSide !== '') spec.est = { side: f.estSide };
  return { ok: true, spec };
}

/** The same as `specFromFields`, under the name the use cases look for. */
export const validateBindingInput = specFromFields;

/** The modal's initial values for editing a binding. The password is never sent back: it stays empty. */
export function fieldsFromSpec(spec: BindingSpec): Record<BindingField, string> {
  return {
    name: spec.name,
    trunkDomain: spec.trunkDomain,
    dids: spec.dids.join('\n'),
    callerId: spec.callerId,
    authKind: spec.auth.kind,
    digestUsername: spec.auth.kind === 'digest' ? spec.auth.username : '',
    digestPassword: '',
    transport: spec.transport,
    livekitSipHost: spec.livekitSipHost,
    dispatchKind: spec.dispatch.kind,
    roomPrefix: spec.dispatch.kind === 'direct' ? '' : spec.dispatch.roomPrefix,
    roomName: spec.dispatch.kind === 'direct' ? spec.dispatch.roomName : '',
    agentName: spec.agentName ?? '',
    reportChannel: spec.reportChannel,
    estSide: spec.est?.side ?? '',
  };
}

export interface SpecChange {
  field: keyof BindingSpec;
  before: string;
  after: string;
}

/**
 * What changes between two specs, in field order, rendered for people. DIDs compare as a set.
 * The digest password is never shown: a new or different one reads "password changed".
 */
export function diffSpecs(before: BindingSpec, after: BindingSpec): SpecChange[] {
  const changes: SpecChange[] = [];
  const keys: Array<keyof BindingSpec> = [
    'name',
    'trunkDomain',
    'dids',
    'callerId',
    'auth',
    'transport',
    'livekitSipHost',
    'dispatch',
    'agentName',
    'reportChannel',
    'est',
  ];
  for (const field of keys) {
    if (field === 'dids') {
      const a = [...before.dids].sort().join(',');
      const b = [...after.dids].sort().join(',');
      if (a !== b) changes.push({ field, before: before.dids.join(', '), after: after.dids.join(', ') });
      continue;
    }
    if (field === 'auth') {
      const b = describeAuth(before.auth);
      const passwordChanged =
        after.auth.kind === 'digest' && (before.auth.kind !== 'digest' || before.auth.password !== after.auth.password);
      const a = describeAuth(after.auth) + (passwordChanged ? ', password changed' : '');
      if (a !== b) changes.push({ field, before: b, after: a });
      continue;
    }
    const b = render(before, field);
    const a = render(after, field);
    if (a !== b) changes.push({ field, before: b, after: a });
  }
  return changes;
}

function render(spec: BindingSpec, field: Exclude<keyof BindingSpec, 'dids' | 'auth'>): string {
  switch (field) {
    case 'dispatch':
      return describeDispatch(spec.dispatch);
    case 'agentName':
      return spec.agentName || '(none)';
    case 'est':
      return spec.est?.side === 'managed' ? 'managed by SIP Ops' : 'manual (checklist)';
    default:
      return spec[field];
  }
}

function describeAuth(auth: OutboundAuth): string {
  return auth.kind === 'acl' ? 'ACL (IP allow-list)' : `digest, username "${auth.username}"`;
}

function describeDispatch(d: Dispatch): string {
  switch (d.kind) {
    case 'individual':
      return `individual, room prefix "${d.roomPrefix}"`;
    case 'callee':
      return `callee, room prefix "${d.roomPrefix}"`;
    case 'direct':
      return `direct, room "${d.roomName}"`;
  }
}

/** Only called once the digest fields are known to be valid. */
function authFrom(f: ParsedFields, existing: BindingSpec | undefined): OutboundAuth {
  if (f.authKind === 'acl') return { kind: 'acl' };
  const kept = existing?.auth.kind === 'digest' ? existing.auth.password : '';
  return { kind: 'digest', username: f.digestUsername, password: f.digestPassword !== '' ? f.digestPassword : kept };
}

function dispatchFrom(f: ParsedFields): Dispatch {
  switch (f.dispatchKind) {
    case 'individual':
      return { kind: 'individual', roomPrefix: f.roomPrefix || DEFAULT_ROOM_PREFIX };
    case 'callee':
      return { kind: 'callee', roomPrefix: f.roomPrefix };
    case 'direct':
      return { kind: 'direct', roomName: f.roomName };
  }
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function didsResult(raw: string): Checked<string[]> {
  const none: Checked<string[]> = { ok: false, error: `Enter at least one DID in E.164, e.g. ${E164_EXAMPLE}.` };
  if (raw === '') return none;
  const { values, errors } = parseNumberList(raw);
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return { ok: false, error: `${errors[0]!.error.replace(/\.$/, '')}${more}.` };
  }
  if (values.length === 0) return none;
  if (values.length > MAX_DIDS) {
    return { ok: false, error: `A binding can have at most ${MAX_DIDS} DIDs; you entered ${values.length}.` };
  }
  return { ok: true, value: values };
}

/** A host name (lower-cased, trailing dot dropped) or one sentence on what is wrong with it. */
function hostResult(input: string, kind: 'fqdn' | 'fqdn-or-ipv4'): Checked<string> {
  const s = input.toLowerCase().replace(/\.$/, '');
  const ex = kind === 'fqdn' ? 'acme.pstn.sinch.com' : 'sip.example.com';
  const fail = (error: string): Checked<string> => ({ ok: false, error });
  if (s === '') return fail(kind === 'fqdn' ? MSG.trunkDomain : MSG.livekitSipHost);
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(s) || /^sips?:/.test(s))
    return fail(`Leave out sip: or https://; enter just the host, e.g. ${ex}.`);
  if (s.includes('@')) return fail(`Leave out the user part before @; enter just the host, e.g. ${ex}.`);
  if (s.includes(':')) return fail(`Leave out the port; enter just the host, e.g. ${ex}.`);
  if (/^[\d.]+$/.test(s)) {
    if (kind === 'fqdn') return fail(`Enter the trunk's domain name, not an IP address, e.g. ${ex}.`);
    return isIpv4(s)
      ? { ok: true, value: s }
      : fail('That is not a valid IPv4 address; use four numbers 0-255, e.g. 203.0.113.10.');
  }
  const labels = s.split('.');
  if (s.length > 253 || !labels.every((l) => DNS_LABEL.test(l))) {
    return fail(`Use only letters, digits, inner hyphens and dots in the host name, e.g. ${ex}.`);
  }
  if (labels.length < 2) return fail(`Enter a full domain name with at least one dot, e.g. ${ex}.`);
  if (/^\d+$/.test(labels[labels.length - 1]!))
    return fail(`The last part of a domain name cannot be a number, e.g. ${ex}.`);
  return { ok: true, value: s };
}

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isBindingField(v: unknown): v is BindingField {
  return typeof v === 'string' && (BINDING_FIELDS as readonly string[]).includes(v);
}
