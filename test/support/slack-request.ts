import { createHmac } from 'node:crypto';

/** Builds and signs requests exactly as Slack sends them (slack-bolt.md §2). */

export function signSlackRequest(
  secret: string,
  rawBody: string,
  ts: number = Math.floor(Date.now() / 1000),
  contentType: 'application/x-www-form-urlencoded' | 'application/json' = rawBody.startsWith('{')
    ? 'application/json'
    : 'application/x-www-form-urlencoded',
): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${sig}` };
}

let triggerSeq = 0;

export function slashCommand(fields: Record<string, string | undefined>): string {
  triggerSeq += 1;
  const base: Record<string, string> = {
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    team_domain: 'acme',
    channel_id: 'COPS0001',
    channel_name: 'ops',
    user_id: 'UADMIN01',
    user_name: 'alice',
    command: '/sip-setup',
    text: '',
    api_app_id: 'A0001',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/1',
    trigger_id: `${Date.now()}.${triggerSeq}.abcdef`,
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) base[k] = v;
  return new URLSearchParams(base).toString();
}

export type InputValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'static_select' | 'radio_buttons'; selected_option: { value: string; text?: { type: 'plain_text'; text: string } } | null }
  | { type: 'conversations_select'; selected_conversation: string | null }
  | { type: 'channels_select'; selected_channel: string | null };

/** `values[block_id][action_id]`; plain strings become plain_text_input values. */
export type ViewValues = Record<string, Record<string, InputValue | string | null>>;

function normalizeValues(values: ViewValues): Record<string, Record<string, InputValue>> {
  const out: Record<string, Record<string, InputValue>> = {};
  for (const [block, actions] of Object.entries(values)) {
    out[block] = {};
    for (const [action, v] of Object.entries(actions)) {
      out[block]![action] = v === null || typeof v === 'string' ? { type: 'plain_text_input', value: v } : v;
    }
  }
  return out;
}

export function viewSubmission(opts: {
  callbackId: string;
  values: ViewValues;
  privateMetadata?: string;
  user?: string;
  viewId?: string;
  hash?: string;
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
}): Record<string, unknown> {
  const user = opts.user ?? 'UADMIN01';
  return {
    type: 'view_submission',
    team: { id: 'T0001', domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.${++triggerSeq}.view`,
    view: {
      id: opts.viewId ?? `V${Date.now()}${triggerSeq}`,
      team_id: 'T0001',
      type: 'modal',
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata ?? '',
      hash: opts.hash ?? `${Date.now()}.hash`,
      state: { values: normalizeValues(opts.values) },
      blocks: [],
      title: { type: 'plain_text', text: 'SIP Ops' },
      app_id: 'A0001',
      bot_id: 'BBOT0001',
    },
    response_urls: opts.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function blockAction(opts: {
  actionId: string;
  value?: string;
  user?: string;
  channel?: string;
  messageTs?: string;
  responseUrl?: string;
  blockId?: string;
  view?: { id: string; hash?: string; callback_id?: string; private_metadata?: string };
}): Record<string, unknown> {
  const user = opts.user ?? 'UADMIN01';
  const channel = opts.channel ?? 'COPS0001';
  return {
    type: 'block_actions',
    team: { id: 'T0001', domain: 'acme' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.${++triggerSeq}.action`,
    container: opts.view
      ? { type: 'view', view_id: opts.view.id }
      : { type: 'message', message_ts: opts.messageTs ?? '1700000000.000001', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'ops' },
    ...(opts.messageTs ? { message: { ts: opts.messageTs, type: 'message', text: '' } } : {}),
    ...(opts.view ? { view: { type: 'modal', ...opts.view } } : {}),
    response_url: opts.responseUrl ?? 'https://hooks.slack.invalid/actions/1',
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'actions',
        value: opts.value ?? '',
        text: { type: 'plain_text', text: opts.actionId },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
    is_enterprise_install: false,
  };
}

let eventSeq = 0;

export function appHomeOpened(user: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  eventSeq += 1;
  return {
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    api_app_id: 'A0001',
    event: { type: 'app_home_opened', user, channel: `D${user}`, tab, event_ts: `${Date.now() / 1000}` },
    type: 'event_callback',
    event_id: `Ev${Date.now()}${eventSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0001', user_id: 'UBOT0001', is_bot: true }],
  };
}

export interface SlackResponse {
  status: number;
  body: unknown;
}

export interface SendOptions {
  /** Sign with another secret (a forged request). */
  secret?: string;
  /** Sign with this timestamp (e.g. a stale one). */
  timestamp?: number;
}

/** Posts signed requests to a running app's `/slack/events`, as Slack would. */
export class SlackClient {
  constructor(
    private readonly base: string,
    private readonly secret: string,
    private readonly opts: { responseUrl?: (id?: string) => string } = {},
  ) {}

  async post(rawBody: string, send: SendOptions = {}): Promise<SlackResponse> {
    const res = await fetch(`${this.base}/slack/events`, {
      method: 'POST',
      headers: signSlackRequest(send.secret ?? this.secret, rawBody, send.timestamp),
      body: rawBody,
    });
    const text = await res.text();
    let body: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
    }
    return { status: res.status, body };
  }

  /** A slash command; `response_url` defaults to the stand-in sink named after the trigger. */
  command(fields: Record<string, string | undefined>, send?: SendOptions): Promise<SlackResponse> {
    const { response_id: sinkId, ...rest } = fields;
    const withUrl: Record<string, string | undefined> = {
      ...(this.opts.responseUrl ? { response_url: this.opts.responseUrl(sinkId ?? 'default') } : {}),
      ...rest,
    };
    return this.post(slashCommand(withUrl), send);
  }

  interactive(payload: Record<string, unknown>, send?: SendOptions): Promise<SlackResponse> {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), send);
  }

  submitView(opts: Parameters<typeof viewSubmission>[0], send?: SendOptions): Promise<SlackResponse> {
    return this.interactive(viewSubmission(opts), send);
  }

  action(opts: Parameters<typeof blockAction>[0], send?: SendOptions): Promise<SlackResponse> {
    return this.interactive(blockAction(opts), send);
  }

  event(envelope: Record<string, unknown>, send?: SendOptions): Promise<SlackResponse> {
    return this.post(JSON.stringify(envelope), send);
  }
}
