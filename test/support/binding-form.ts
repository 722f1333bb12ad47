/**
 * The /sip-setup binding modal as a test (or the demo) fills it in: field values, the
 * `view_submission` values Slack would send, and the submission itself.
 */
import { ADMIN_USER, OPS_CHANNEL } from './app-harness';
import {
  conversationsSelect,
  radioButtons,
  staticSelect,
  textInput,
  type SlackClient,
  type SlackResponse,
  type ViewValues,
} from './slack-request';

export interface BindingForm {
  name: string;
  trunkDomain: string;
  dids: string;
  callerId: string;
  authKind: string;
  digestUsername: string;
  digestPassword: string;
  transport: string;
  livekitSipHost: string;
  dispatchKind: string;
  roomPrefix: string;
  roomName: string;
  agentName: string;
  reportChannel: string;
  /** "managed" or "manual"; absent: the form without the EST side choice (no Sinch access key). */
  estSide?: string;
}

/** A valid form for binding `acme-us`; override what the test is about. */
export function bindingForm(o: Partial<BindingForm> = {}): BindingForm {
  return {
    name: 'acme-us',
    trunkDomain: 'acme.pstn.sinch.com',
    dids: '+1 (415) 555-0100\n+14155550101',
    callerId: '+14155550100',
    authKind: 'acl',
    digestUsername: '',
    digestPassword: '',
    transport: 'udp',
    livekitSipHost: 'sip.acme.example',
    dispatchKind: 'individual',
    roomPrefix: 'est-inbound-',
    roomName: '',
    agentName: 'support-agent',
    reportChannel: OPS_CHANNEL,
    ...o,
  };
}

/** What Slack sends for the form; the edit modal has no name block. Empty text inputs are null. */
export function bindingFormValues(f: BindingForm, mode: 'create' | 'edit' = 'create'): ViewValues {
  const v: ViewValues = {
    trunkDomain: { value: textInput(f.trunkDomain) },
    dids: { value: textInput(f.dids) },
    callerId: { value: textInput(f.callerId) },
    authKind: { value: radioButtons(f.authKind) },
    digestUsername: { value: textInput(f.digestUsername || null) },
    digestPassword: { value: textInput(f.digestPassword || null) },
    transport: { value: staticSelect(f.transport) },
    livekitSipHost: { value: textInput(f.livekitSipHost) },
    dispatchKind: { value: staticSelect(f.dispatchKind) },
    roomPrefix: { value: textInput(f.roomPrefix || null) },
    roomName: { value: textInput(f.roomName || null) },
    agentName: { value: textInput(f.agentName || null) },
    reportChannel: { value: conversationsSelect(f.reportChannel) },
  };
  if (mode === 'create') v.name = { value: textInput(f.name) };
  if (f.estSide) v.estSide = { value: radioButtons(f.estSide) };
  return v;
}

/** `private_metadata` of the create modal opened in `channel`. */
export const createModalMeta = (channel = OPS_CHANNEL): string => JSON.stringify({ mode: 'create', channel });

/** Submits the create modal, as typed in `channel` by `user`. */
export function submitCreateForm(
  client: SlackClient,
  f: BindingForm,
  o: { user?: string; channel?: string } = {},
): Promise<SlackResponse> {
  return client.submitView({
    callbackId: 'binding_modal',
    values: bindingFormValues(f),
    privateMetadata: createModalMeta(o.channel),
    user: o.user ?? ADMIN_USER,
  });
}

/** The simplest binding: one DID, the LiveKit SIP host as an IP (no DNS), no agent. */
export function plainBindingForm(o: Partial<BindingForm> = {}): BindingForm {
  return bindingForm({ dids: '+14155550100', livekitSipHost: '203.0.113.7', agentName: '', ...o });
}
