/**
 * `/sip-setup import <name> inbound=ST_… rule=SDR_… outbound=ST_… [host=…] [channel=…] [est-trunk=…]` as typed
 * → what to import, or the one sentence that says what is wrong. Pure: `host=` and `channel=` are
 * checked with the binding form's own validators (binding-input.ts), so nothing the form would
 * refuse gets in this way.
 */
import type { BindingSpec } from './binding';
import { checkBindingField, fieldsFromSpec, isBindingName, specFromFields, type BindingField } from './binding-input';

export const IMPORT_USAGE =
  'Usage: `/sip-setup import <name> inbound=ST_… rule=SDR_… outbound=ST_… [host=<LiveKit public SIP host>] [channel=#channel] [est-trunk=<EST trunk ID or host name>]`';

const NAME_RULE = 'The name uses 3–40 lowercase letters, digits and hyphens.';

/** LiveKit resource IDs: a prefix and a short UUID (`ST_…`, `SDR_…`); nothing else is sent on. */
const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** `est-trunk=`: an EST trunk ID or host name (the first label of `<host>.pstn.sinch.com`); a whole domain is checked as the form's trunk domain. */
const EST_TRUNK_REF = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const EST_TRUNK_RULE =
  '`est-trunk=` takes the EST trunk ID, its host name (`acme`) or its domain (`acme.pstn.sinch.com`).';

export interface ImportArgs {
  name: string;
  inboundTrunkId: string;
  dispatchRuleId: string;
  outboundTrunkId: string;
  /** The LiveKit public SIP host, validated like the form's field. */
  livekitSipHost: string;
  /** A Slack channel ID, validated like the form's field. */
  reportChannel: string;
  /** `est-trunk=`: adopt the EST side on this trunk (an ID or a host name, lower-cased when a domain was typed). */
  estTrunk?: string;
}

export interface ImportDefaults {
  /** The channel the command was typed in. */
  channel: string;
  /** The host of the LiveKit URL. */
  host: string;
}

export type ImportArgsResult = { ok: true; value: ImportArgs } | { ok: false; error: string };

/** `key=value` words, keys lower-cased; words of another shape are ignored. The last one wins. */
function keyValues(words: string[]): Map<string, string> {
  const kv = new Map<string, string>();
  for (const w of words) {
    const m = /^([a-z][a-z-]*)=(.+)$/i.exec(w);
    if (m) kv.set(m[1]!.toLowerCase(), m[2]!);
  }
  return kv;
}

export function parseImportArgs(argv: readonly string[], defaults: ImportDefaults): ImportArgsResult {
  const [rawName = '', ...pairs] = argv;
  const name = rawName.toLowerCase();
  const kv = keyValues(pairs);
  const inboundTrunkId = kv.get('inbound');
  const dispatchRuleId = kv.get('rule');
  const outboundTrunkId = kv.get('outbound');
  if (!isBindingName(name) || !inboundTrunkId || !dispatchRuleId || !outboundTrunkId) {
    return { ok: false, error: `${IMPORT_USAGE}\n${NAME_RULE}` };
  }
  for (const [key, id] of [
    ['inbound', inboundTrunkId],
    ['rule', dispatchRuleId],
    ['outbound', outboundTrunkId],
  ] as const) {
    if (!RESOURCE_ID.test(id))
      return {
        ok: false,
        error: `\`${key}=\` takes a LiveKit ID such as ST_… or SDR_… (letters, digits, _ and -).\n${IMPORT_USAGE}`,
      };
  }
  const typedHost = kv.get('host');
  const host =
    typedHost === undefined
      ? { ok: true as const, value: defaults.host.toLowerCase() }
      : checkBindingField('livekitSipHost', typedHost);
  if (!host.ok) return { ok: false, error: `\`host=\`: ${host.error}` };
  const typedChannel = kv.get('channel');
  const channel =
    typedChannel === undefined
      ? { ok: true as const, value: defaults.channel }
      : checkBindingField('reportChannel', typedChannel);
  if (!channel.ok) return { ok: false, error: `\`channel=\`: ${channel.error}` };
  const estTrunk = parseEstTrunk(kv.get('est-trunk'));
  if (!estTrunk.ok) return { ok: false, error: `${EST_TRUNK_RULE}\n${IMPORT_USAGE}` };
  return {
    ok: true,
    value: {
      name,
      inboundTrunkId,
      dispatchRuleId,
      outboundTrunkId,
      livekitSipHost: host.value,
      reportChannel: channel.value,
      ...(estTrunk.value ? { estTrunk: estTrunk.value } : {}),
    },
  };
}

/** A whole domain passes the form's trunk-domain check and stands for its first label; otherwise an ID or a label. */
function parseEstTrunk(typed: string | undefined): { ok: true; value: string | undefined } | { ok: false } {
  if (typed === undefined) return { ok: true, value: undefined };
  if (typed.includes('.')) {
    const domain = checkBindingField('trunkDomain', typed);
    return domain.ok ? { ok: true, value: domain.value.toLowerCase().split('.')[0] } : { ok: false };
  }
  return EST_TRUNK_REF.test(typed) ? { ok: true, value: typed } : { ok: false };
}

/** The form's name for each field, for sentences about values read from LiveKit. */
const FIELD_LABEL: Partial<Record<BindingField, string>> = {
  trunkDomain: 'trunk domain (the outbound trunk address)',
  dids: 'DIDs (the inbound trunk numbers)',
  callerId: 'caller ID (the outbound trunk number)',
  digestUsername: 'digest username (the outbound trunk auth)',
  roomPrefix: 'room prefix (the dispatch rule)',
  roomName: 'room name (the dispatch rule)',
  agentName: 'agent name (the dispatch rule)',
};

/**
 * What the binding form would refuse in a spec built from LiveKit's resources, one sentence a
 * field. `livekitSipHost` and `reportChannel` are not LiveKit's: `parseImportArgs` checks them.
 * The digest password is never read from LiveKit, so an empty one is kept (as when editing).
 */
export function importedSpecErrors(spec: BindingSpec): string[] {
  const r = specFromFields(fieldsFromSpec(spec), { existing: spec });
  if (r.ok) return [];
  return Object.entries(r.errors)
    .filter(([field]) => field !== 'livekitSipHost' && field !== 'reportChannel')
    .map(
      ([field, error]) =>
        `The ${FIELD_LABEL[field as BindingField] ?? field} does not pass the binding form's checks: ${error}`,
    );
}
