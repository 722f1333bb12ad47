/**
 * The create/edit binding modal: Block Kit as a pure function of the form values, and the
 * reverse (view state → form input). Each binding field is its own input block, so
 * `response_action: errors` can point at exactly the field that is wrong.
 */
import { DEFAULT_ROOM_PREFIX } from '../../domain/binding';
import type { BindingField, BindingFieldErrors, BindingFormInput } from '../../domain/binding-input';
import { BINDING_FIELDS } from '../../domain/binding-input';
import type { InputBlock, KnownBlock, ModalView, PlainTextOption } from '../../slack/block-kit';
import { LIMITS, truncate } from '../../slack/limits';

export const BINDING_MODAL_CALLBACK = 'binding_modal';
export const ACTION = 'value';

export interface ModalMeta {
  mode: 'create' | 'edit';
  /** Edit: the binding name, its identity (never reused) and the version the form was filled from (optimistic lock). */
  name?: string;
  id?: string;
  version?: number;
  /** Where /sip-setup was typed: progress is posted there. */
  channel: string;
}

export function encodeMeta(m: ModalMeta): string {
  return JSON.stringify(m);
}

export function decodeMeta(s: string): ModalMeta | undefined {
  try {
    const v = JSON.parse(s) as Partial<ModalMeta>;
    if (v.mode === 'create' && typeof v.channel === 'string') return { mode: 'create', channel: v.channel };
    // An edit form names its binding by identity and version; one without them is from an older version.
    if (
      v.mode === 'edit' &&
      typeof v.channel === 'string' &&
      typeof v.name === 'string' &&
      typeof v.id === 'string' &&
      v.id &&
      typeof v.version === 'number'
    ) {
      return { mode: 'edit', channel: v.channel, name: v.name, id: v.id, version: v.version };
    }
  } catch {
    // fall through
  }
  return undefined;
}

const opt = (value: string, text: string, description?: string): PlainTextOption => ({
  text: { type: 'plain_text', text },
  value,
  ...(description ? { description: { type: 'plain_text', text: truncate(description, 75) } } : {}),
});

const TRANSPORTS = [opt('udp', 'UDP (5060)'), opt('tcp', 'TCP (5060)'), opt('tls', 'TLS (5061) + SRTP required')];
const DISPATCH = [
  opt('individual', 'Individual: a room per call', 'est-inbound-_<caller>_<random>'),
  opt('direct', 'Direct: one fixed room'),
  opt('callee', 'Callee: a room per called number'),
];
const EST_SIDE = [
  opt('managed', 'Managed by SIP Ops', 'trunk, endpoint, ACL or credentials and DIDs set through Sinch'),
  opt('manual', 'Manual (checklist)', 'you set up the EST trunk in the Sinch dashboard'),
];
const AUTH = [
  opt('acl', 'ACL (LiveKit public IP allowed on the trunk)'),
  opt('digest', 'Digest (EST credential list)'),
];

function textInput(
  field: BindingField,
  label: string,
  initial: string,
  o: { optional?: boolean; multiline?: boolean; placeholder?: string; hint?: string; max?: number } = {},
): InputBlock {
  return {
    type: 'input',
    block_id: field,
    optional: o.optional ?? false,
    label: { type: 'plain_text', text: label },
    ...(o.hint ? { hint: { type: 'plain_text', text: o.hint } } : {}),
    element: {
      type: 'plain_text_input',
      action_id: ACTION,
      multiline: o.multiline ?? false,
      ...(initial ? { initial_value: initial } : {}),
      ...(o.placeholder ? { placeholder: { type: 'plain_text', text: o.placeholder } } : {}),
      ...(o.max ? { max_length: o.max } : {}),
    },
  };
}

function selectInput(
  field: BindingField,
  label: string,
  options: PlainTextOption[],
  initial: string,
  hint?: string,
): InputBlock {
  const initialOption = options.find((o) => o.value === initial);
  return {
    type: 'input',
    block_id: field,
    label: { type: 'plain_text', text: label },
    ...(hint ? { hint: { type: 'plain_text', text: hint } } : {}),
    element: {
      type: 'static_select',
      action_id: ACTION,
      options,
      ...(initialOption ? { initial_option: initialOption } : {}),
    },
  };
}

function radioInput(field: BindingField, label: string, options: PlainTextOption[], initial: string): InputBlock {
  const initialOption = options.find((o) => o.value === initial);
  return {
    type: 'input',
    block_id: field,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'radio_buttons',
      action_id: ACTION,
      options,
      ...(initialOption ? { initial_option: initialOption } : {}),
    },
  };
}

type FieldValue = (f: BindingField) => string;

/** The create (empty `values`) or edit (values from `fieldsFromSpec`) form. */
export function bindingModal(
  meta: ModalMeta,
  values: Partial<Record<BindingField, string>> = {},
  opts: { estManageable?: boolean } = {},
): ModalView {
  const v: FieldValue = (f) => values[f] ?? '';
  const editing = meta.mode === 'edit';
  const blocks: KnownBlock[] = [
    ...introBlocks(meta, v),
    ...estTrunkBlocks(v, editing, opts.estManageable ?? false),
    ...livekitBlocks(meta, v, editing),
  ];
  return {
    type: 'modal',
    callback_id: BINDING_MODAL_CALLBACK,
    private_metadata: encodeMeta(meta),
    title: { type: 'plain_text', text: truncate(editing ? 'Edit SIP binding' : 'New SIP binding', LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: editing ? 'Apply' : 'Create' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** What the form is for; a new binding also asks its name (fixed afterwards). */
function introBlocks(meta: ModalMeta, v: FieldValue): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (meta.mode === 'edit') {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `Editing binding \`${meta.name ?? ''}\`. Only the fields you change are applied to LiveKit.`,
      },
    });
  } else {
    blocks.push(
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'A *binding* wires one Sinch EST trunk to LiveKit: an inbound trunk with your DIDs, a dispatch rule and an outbound trunk.',
        },
      },
      textInput('name', 'Binding name', v('name'), {
        placeholder: 'acme-us',
        hint: 'Lowercase letters, digits and hyphens. Cannot be changed later.',
        max: 40,
      }),
    );
  }
  return blocks;
}

/** The Sinch EST trunk: the EST side choice (with a Sinch key), domain, DIDs, caller ID, auth, transport. */
function estTrunkBlocks(v: FieldValue, editing: boolean, estManageable: boolean): KnownBlock[] {
  return [
    { type: 'header', text: { type: 'plain_text', text: 'Sinch EST trunk' } },
    ...(estManageable
      ? [radioInput('estSide', 'EST side', EST_SIDE, v('estSide') || (editing ? 'manual' : 'managed'))]
      : [
          {
            type: 'context' as const,
            elements: [
              {
                type: 'mrkdwn' as const,
                text: 'EST not managed: no Sinch access key. The EST side is a checklist you follow in the Sinch dashboard.',
              },
            ],
          },
        ]),
    textInput('trunkDomain', 'EST trunk domain', v('trunkDomain'), {
      placeholder: 'acme.pstn.sinch.com',
      hint: 'The FQDN shown on the trunk in the Sinch dashboard.',
    }),
    textInput('dids', 'DIDs (phone numbers on the trunk)', v('dids'), {
      multiline: true,
      placeholder: '+1 (415) 555-0100',
      hint: 'One per line or comma-separated; any common format is turned into E.164.',
      max: 2000,
    }),
    textInput('callerId', 'Caller ID for outbound calls', v('callerId'), {
      placeholder: '+14155550100',
      hint: 'A number on the trunk, in E.164.',
    }),
    radioInput('authKind', 'Outbound authentication', AUTH, v('authKind') || 'acl'),
    textInput('digestUsername', 'Digest username', v('digestUsername'), {
      optional: true,
      hint: 'Only for digest authentication.',
      max: 128,
    }),
    textInput('digestPassword', 'Digest password', '', {
      optional: true,
      hint: editing
        ? 'Write-only. Leave empty to keep the current password.'
        : 'Write-only: stored for LiveKit, never shown again.',
      max: 128,
    }),
    selectInput(
      'transport',
      'Transport',
      TRANSPORTS,
      v('transport') || 'udp',
      'TLS turns on SRTP (required) on both LiveKit trunks: for EST, TLS and SRTP go together.',
    ),
  ];
}

/** The LiveKit side: public SIP host, dispatch, agent and the report channel. */
function livekitBlocks(meta: ModalMeta, v: FieldValue, editing: boolean): KnownBlock[] {
  return [
    { type: 'header', text: { type: 'plain_text', text: 'LiveKit' } },
    textInput('livekitSipHost', 'LiveKit public SIP host', v('livekitSipHost'), {
      placeholder: 'sip.example.com',
      hint: "The public host or IPv4 of livekit-sip: EST's static endpoint points here.",
    }),
    selectInput('dispatchKind', 'Dispatch', DISPATCH, v('dispatchKind') || 'individual'),
    textInput(
      'roomPrefix',
      'Room prefix (individual, callee)',
      editing ? v('roomPrefix') : v('roomPrefix') || DEFAULT_ROOM_PREFIX,
      { optional: true, max: 64 },
    ),
    textInput('roomName', 'Room name (direct)', v('roomName'), { optional: true, max: 128 }),
    textInput('agentName', 'Agent name (optional)', v('agentName'), {
      optional: true,
      hint: 'Dispatched into each call room (roomConfig.agents); must match the agent_name your worker registers.',
      max: 64,
    }),
    {
      type: 'input',
      block_id: 'reportChannel',
      label: { type: 'plain_text', text: 'Report channel' },
      hint: { type: 'plain_text', text: 'Inbound calls, alerts and changes for this binding are posted here.' },
      element: {
        type: 'conversations_select',
        action_id: ACTION,
        filter: { include: ['public', 'private'], exclude_bot_users: true },
        ...(v('reportChannel')
          ? { initial_conversation: v('reportChannel') }
          : meta.channel
            ? { initial_conversation: meta.channel }
            : {}),
      },
    },
  ];
}

/** A modal that only says something (loading, not found, refused). */
export function noticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: truncate(title, LIMITS.modalTitle) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } }],
  };
}

interface StateValue {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_conversation?: string | null;
  selected_channel?: string | null;
}

/** The form input from `view.state.values` (blocks absent from the view read as missing). */
export function readBindingForm(values: Record<string, Record<string, StateValue>>, meta: ModalMeta): BindingFormInput {
  const input: BindingFormInput = {};
  for (const field of BINDING_FIELDS) {
    const sv = values[field]?.[ACTION];
    if (!sv) continue;
    input[field] = sv.value ?? sv.selected_option?.value ?? sv.selected_conversation ?? sv.selected_channel ?? null;
  }
  if (meta.mode === 'edit' && meta.name) input.name = meta.name;
  return input;
}

/** `response_action: errors` keyed by the blocks that exist in the view. */
export function errorsForView(errors: BindingFieldErrors, mode: ModalMeta['mode']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (mode === 'edit' && field === 'name') continue;
    out[field] = truncate(message, 300);
  }
  return out;
}
