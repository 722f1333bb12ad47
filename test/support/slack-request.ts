import { createHmac, randomBytes } from 'node:crypto';

/**
 * Builds and signs requests exactly as Slack sends them (slack-bolt.md §2): the v0 HMAC-SHA256
 * signature over `v0:<timestamp>:<raw body>`, and a content type that is exactly
 * `application/x-www-form-urlencoded` (commands, interactivity) or `application/json` (events);
 * Bolt compares the form content type with `===`, so no `; charset=…`.
 */

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
export type SlackContentType = typeof FORM | typeof JSON_TYPE;

export const REQUEST_TEAM = { id: 'T0001', domain: 'acme' } as const;
export const REQUEST_APP_ID = 'A0001';
const VERIFICATION_TOKEN = 'deprecated-verification-token';

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Headers Slack would send with `rawBody`; the content type follows the body unless given. */
export function signSlackRequest(
  secret: string,
  rawBody: string,
  ts: number = nowSec(),
  contentType: SlackContentType = rawBody.trimStart().startsWith('{') ? JSON_TYPE : FORM,
): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${sig}` };
}

let seq = 0;
const next = () => ++seq;
/** Slack trigger ids look like `<digits>.<digits>.<hex>`. */
const triggerId = () => `${Date.now()}.${next()}.${randomBytes(16).toString('hex')}`;

/** A slash-command form body (`SlashCommand` fields); `fields` override the defaults, undefined drops nothing. */
export function slashCommand(fields: Record<string, string | undefined>): string {
  const base: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: REQUEST_TEAM.id,
    team_domain: REQUEST_TEAM.domain,
    channel_id: 'COPS0001',
    channel_name: 'ops',
    user_id: 'UADMIN01',
    user_name: 'alice',
    command: '/sip-setup',
    text: '',
    api_app_id: REQUEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T0001/1/abc',
    trigger_id: triggerId(),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) base[k] = v;
  return new URLSearchParams(base).toString();
}

/** `application/x-www-form-urlencoded` body with the single `payload` field Slack uses for interactivity. */
export function interactivityBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

// ---------------------------------------------------------------------------------------------
// view_submission

type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };
export type Option = { text: PlainText; value: string };

/** Element states as they appear in `view.state.values[block_id][action_id]`. */
export type InputValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'number_input'; value: string | null }
  | { type: 'email_text_input' | 'url_text_input'; value: string | null }
  | { type: 'static_select' | 'external_select' | 'radio_buttons'; selected_option: Option | null }
  | { type: 'multi_static_select' | 'checkboxes'; selected_options: Option[] }
  | { type: 'conversations_select'; selected_conversation: string | null }
  | { type: 'channels_select'; selected_channel: string | null }
  | { type: 'users_select'; selected_user: string | null };

const option = (value: string, text = value): Option => ({ text: { type: 'plain_text', text, emoji: true }, value });

/** `plain_text_input` state (`null` = left empty). */
export const textInput = (value: string | null): InputValue => ({ type: 'plain_text_input', value });
/** `static_select` state (`null` = nothing selected). */
export const staticSelect = (value: string | null, text?: string): InputValue => ({
  type: 'static_select',
  selected_option: value === null ? null : option(value, text),
});
/** `radio_buttons` state. */
export const radioButtons = (value: string | null, text?: string): InputValue => ({
  type: 'radio_buttons',
  selected_option: value === null ? null : option(value, text),
});
/** `checkboxes` state. */
export const checkboxes = (values: string[]): InputValue => ({
  type: 'checkboxes',
  selected_options: values.map((v) => option(v)),
});
/** `conversations_select` state. */
export const conversationsSelect = (conversation: string | null): InputValue => ({
  type: 'conversations_select',
  selected_conversation: conversation,
});

/** `values[block_id][action_id]`; a plain string (or null) is shorthand for a `plain_text_input`. */
export type ViewValues = Record<string, Record<string, InputValue | string | null>>;

export function normalizeValues(values: ViewValues): Record<string, Record<string, InputValue>> {
  const out: Record<string, Record<string, InputValue>> = {};
  for (const [block, actions] of Object.entries(values)) {
    const row: Record<string, InputValue> = {};
    for (const [action, v] of Object.entries(actions))
      row[action] = v === null || typeof v === 'string' ? textInput(v) : v;
    out[block] = row;
  }
  return out;
}

export interface ViewSubmissionOptions {
  callbackId: string;
  values: ViewValues;
  privateMetadata?: string;
  user?: string;
  viewId?: string;
  hash?: string;
  externalId?: string;
  /** Set when the modal has `response_url_enabled` selects. */
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
}

/** A realistic `view_submission` payload (what Slack posts as `payload=`). */
export function viewSubmission(opts: ViewSubmissionOptions): Record<string, unknown> {
  const user = opts.user ?? 'UADMIN01';
  const values = normalizeValues(opts.values);
  const viewId = opts.viewId ?? `V${Date.now()}${next()}`;
  // The input blocks the values came from, so view.blocks and view.state agree.
  const blocks = Object.entries(values).flatMap(([blockId, actions]) =>
    Object.entries(actions).map(([actionId, v]) => ({
      type: 'input',
      block_id: blockId,
      label: { type: 'plain_text', text: blockId, emoji: true },
      optional: false,
      dispatch_action: false,
      element: { type: v.type, action_id: actionId },
    })),
  );
  return {
    type: 'view_submission',
    team: { id: REQUEST_TEAM.id, domain: REQUEST_TEAM.domain },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: REQUEST_TEAM.id },
    api_app_id: REQUEST_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: triggerId(),
    view: {
      id: viewId,
      team_id: REQUEST_TEAM.id,
      type: 'modal',
      blocks,
      private_metadata: opts.privateMetadata ?? '',
      callback_id: opts.callbackId,
      state: { values },
      hash: opts.hash ?? `${nowSec()}.${next()}`,
      title: { type: 'plain_text', text: 'SIP Ops', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Save', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: REQUEST_APP_ID,
      external_id: opts.externalId ?? '',
      app_installed_team_id: REQUEST_TEAM.id,
      bot_id: 'BBOT0001',
    },
    response_urls: opts.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

// ---------------------------------------------------------------------------------------------
// block_actions

export interface BlockActionOptions {
  actionId: string;
  /** Button value (or the selected option's value when `selectedOption` is used). */
  value?: string;
  user?: string;
  channel?: string;
  messageTs?: string;
  responseUrl?: string;
  blockId?: string;
  /** Send a `static_select` action with this option instead of a button. */
  selectedOption?: string;
  /** The action came from a modal (`container.type: view`). */
  view?: { id: string; hash?: string; callback_id?: string; private_metadata?: string };
}

/** A realistic `block_actions` payload from a message button (or a modal when `view` is set). */
export function blockAction(opts: BlockActionOptions): Record<string, unknown> {
  const user = opts.user ?? 'UADMIN01';
  const channel = opts.channel ?? 'COPS0001';
  const actionTs = (Date.now() / 1000).toFixed(6);
  const action =
    opts.selectedOption !== undefined
      ? {
          type: 'static_select',
          action_id: opts.actionId,
          block_id: opts.blockId ?? 'actions',
          selected_option: option(opts.selectedOption),
          placeholder: { type: 'plain_text', text: 'Choose', emoji: true },
          action_ts: actionTs,
        }
      : {
          type: 'button',
          action_id: opts.actionId,
          block_id: opts.blockId ?? 'actions',
          value: opts.value ?? '',
          text: { type: 'plain_text', text: opts.actionId, emoji: true },
          action_ts: actionTs,
        };
  const messageTs = opts.messageTs ?? '1700000000.000001';
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: REQUEST_TEAM.id },
    api_app_id: REQUEST_APP_ID,
    token: VERIFICATION_TOKEN,
    container: opts.view
      ? { type: 'view', view_id: opts.view.id }
      : { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: triggerId(),
    team: { id: REQUEST_TEAM.id, domain: REQUEST_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    ...(opts.view
      ? {
          view: {
            type: 'modal',
            team_id: REQUEST_TEAM.id,
            hash: opts.view.hash ?? `${nowSec()}.${next()}`,
            callback_id: opts.view.callback_id ?? '',
            private_metadata: opts.view.private_metadata ?? '',
            state: { values: {} },
            blocks: [],
            root_view_id: opts.view.id,
            previous_view_id: null,
            app_id: REQUEST_APP_ID,
            bot_id: 'BBOT0001',
            id: opts.view.id,
          },
        }
      : {
          channel: { id: channel, name: 'ops' },
          message: { type: 'message', user: 'UBOT0001', bot_id: 'BBOT0001', ts: messageTs, text: '', blocks: [] },
          state: { values: {} },
          response_url: opts.responseUrl ?? 'https://hooks.slack.invalid/actions/T0001/1/abc',
        }),
    actions: [action],
  };
}

/**
 * A choice in an overflow menu on the App Home tab (as Slack sends it: `container.type: view`, the
 * view's `type: home`, no response URL), e.g. an option of a binding's menu.
 */
export function homeMenuChoice(opts: {
  actionId: string;
  value: string;
  viewId: string;
  user?: string;
}): Record<string, unknown> {
  const payload = blockAction({
    actionId: opts.actionId,
    selectedOption: opts.value,
    view: { id: opts.viewId },
    ...(opts.user ? { user: opts.user } : {}),
  });
  Object.assign(payload, {
    container: { type: 'view', view_id: opts.viewId },
    view: { ...(payload.view as object), type: 'home' },
  });
  const [action] = payload.actions as Array<Record<string, unknown>>;
  action!.type = 'overflow';
  delete action!.placeholder;
  return payload;
}

// ---------------------------------------------------------------------------------------------
// Events API

/** An Events API envelope around `event`, with a unique `event_id`. */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  const n = next();
  return {
    token: VERIFICATION_TOKEN,
    team_id: REQUEST_TEAM.id,
    context_team_id: REQUEST_TEAM.id,
    api_app_id: REQUEST_APP_ID,
    event,
    type: 'event_callback',
    event_id: `Ev${Date.now().toString(36).toUpperCase()}${n}`,
    event_time: nowSec(),
    authorizations: [
      {
        enterprise_id: null,
        team_id: REQUEST_TEAM.id,
        user_id: 'UBOT0001',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** `app_home_opened` in its Events API envelope. */
export function appHomeOpened(user: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
  return eventCallback({
    type: 'app_home_opened',
    user,
    channel: `D${user.replace(/^U/, '')}`,
    tab,
    event_ts: (Date.now() / 1000).toFixed(6),
  });
}

// ---------------------------------------------------------------------------------------------
// Client

export interface SlackResponse {
  status: number;
  /** Parsed JSON when the response is JSON, otherwise the text ('' for an empty ack). */
  body: unknown;
  headers: Headers;
}

export interface SendOptions {
  /** Sign with another secret (a forged request). */
  secret?: string;
  /** Sign with a wrong signature. */
  badSignature?: boolean;
  /** Sign with this timestamp (unix seconds). */
  timestamp?: number;
  /** Sign with a timestamp 301 s in the past (Bolt rejects anything older than 300 s). */
  stale?: boolean;
  /** Override the content type (e.g. to show that `; charset=utf-8` is rejected). */
  contentType?: string;
  /** Slack's retry headers (`X-Slack-Retry-Num`, `X-Slack-Retry-Reason`). */
  retry?: { num: number; reason: string };
}

export interface SlackClientOptions {
  /** Default `response_url` for commands: called with `fields.response_id ?? 'default'`. */
  responseUrl?: (id?: string) => string;
}

/** Posts signed requests to a running app's `/slack/events`, as Slack would. */
export class SlackClient {
  constructor(
    private readonly base: string,
    private readonly secret: string,
    private readonly opts: SlackClientOptions = {},
  ) {}

  /** Sign and POST a raw body (form or JSON) to `/slack/events`. */
  async post(rawBody: string, send: SendOptions = {}): Promise<SlackResponse> {
    const ts = send.timestamp ?? (send.stale ? nowSec() - 301 : nowSec());
    const headers = signSlackRequest(
      send.badSignature ? `${send.secret ?? this.secret}-wrong` : (send.secret ?? this.secret),
      rawBody,
      ts,
    );
    if (send.contentType) headers['content-type'] = send.contentType;
    if (send.retry) {
      headers['x-slack-retry-num'] = String(send.retry.num);
      headers['x-slack-retry-reason'] = send.retry.reason;
    }
    const res = await fetch(`${this.base.replace(/\/$/, '')}/slack/events`, { method: 'POST', headers, body: rawBody });
    const text = await res.text();
    let body: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    }
    return { status: res.status, body, headers: res.headers };
  }

  /**
   * A slash command, as `command({ command: '/sip-setup', text: 'list', user_id })` or
   * `command('/sip-setup', 'list', { user_id })`. `response_url` defaults to the stand-in sink
   * named by `response_id` (not sent to the app) or `'default'`.
   */
  command(fields: Record<string, string | undefined>, send?: SendOptions): Promise<SlackResponse>;
  command(
    command: string,
    text?: string,
    fields?: Record<string, string | undefined>,
    send?: SendOptions,
  ): Promise<SlackResponse>;
  command(
    a: string | Record<string, string | undefined>,
    b?: string | SendOptions,
    c?: Record<string, string | undefined>,
    d?: SendOptions,
  ): Promise<SlackResponse> {
    const fields = typeof a === 'string' ? { ...c, command: a, text: typeof b === 'string' ? b : '' } : a;
    const send = typeof a === 'string' ? d : (b as SendOptions | undefined);
    const { response_id: sinkId, ...rest } = fields;
    const withUrl: Record<string, string | undefined> = {
      ...(this.opts.responseUrl ? { response_url: this.opts.responseUrl(sinkId ?? 'default') } : {}),
      ...rest,
    };
    return this.post(slashCommand(withUrl), send);
  }

  /** Any interactivity payload (`payload=` form field). */
  interactive(payload: Record<string, unknown>, send?: SendOptions): Promise<SlackResponse> {
    return this.post(interactivityBody(payload), send);
  }

  submitView(opts: ViewSubmissionOptions, send?: SendOptions): Promise<SlackResponse> {
    return this.interactive(viewSubmission(opts), send);
  }

  action(opts: BlockActionOptions, send?: SendOptions): Promise<SlackResponse> {
    return this.interactive(blockAction(opts), send);
  }

  /** An Events API envelope (e.g. `appHomeOpened(user)`) as JSON. */
  event(envelope: Record<string, unknown>, send?: SendOptions): Promise<SlackResponse> {
    return this.post(JSON.stringify(envelope), send);
  }
}
