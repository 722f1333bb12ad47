/**
 * `/sip-setup import <name> inbound=ST_… rule=SDR_… outbound=ST_… [host=…] [channel=…]` as typed
 * → what to import, or the one sentence that says what is wrong. Pure: `host=` and `channel=` are
 * checked with the binding form's own validators (binding-input.ts), so nothing the form would
 * refuse gets in this way.
 */
import type { BindingSpec } from './binding';
import { checkBindingField, fieldsFromSpec, isBindingName, specFromFields, type BindingField } from './binding-input';

export const IMPORT_USAGE =
  'Usage: `/sip-setup import <name> inbound=ST_… rule=SDR_… outbound=ST_… [host=<LiveKit public SIP host>] [channel=#channel]`';

const NAME_RULE = 'The name uses 3–40 lowercase letters, digits and hyphens.';

/** LiveKit resource IDs: a prefix and a short UUID (`ST_…`, `SDR_…`); nothing else is sent on. */
const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface ImportArgs {
  name: string;
  inboundTrunkId: string;
  dispatchRuleId: string;
  outboundTrunkId: string;
  /** The LiveKit public SIP host, validated like the form's field. */
  livekitSipHost: string;
  /** A Slack channel ID, validated like the form's field. */
  reportChannel: string;
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
    const m = /^([a-z]+)=(.+)$/i.exec(w);
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
  return {
    ok: true,
    value: {
      name,
      inboundTrunkId,
      dispatchRuleId,
      outboundTrunkId,
      livekitSipHost: host.value,
      reportChannel: channel.value,
    },
  };
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
