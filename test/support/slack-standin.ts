import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackFiles } from './slack-files';

/**
 * A local stand-in for the Slack Web API and for `response_url`s (slack-bolt.md §3.5, §9.1).
 *
 * - Point a WebClient (or the app, via `SLACK_API_URL`) at `standin.apiUrl`.
 * - Every Web API call is recorded as `{ method, args, token, at }`, with the arguments decoded
 *   the way Slack reads them: WebClient sends `application/x-www-form-urlencoded` with non-scalar
 *   arguments (`blocks`, `view`, `attachments`, …) JSON-encoded inside the form; JSON bodies are
 *   accepted too. The token comes from `Authorization: Bearer …` (or a `token` form field).
 * - Default answers look like Slack's (unique increasing `ts`, views with `V…` ids and hashes,
 *   `message_not_found`, `hash_conflict`, `not_authed`, …) and a small model of the messages and
 *   views lets tests assert "one parent message and its thread".
 * - `script()` replaces the answer for a method: a JSON body, an HTTP status (429 with
 *   `Retry-After`, 500, …), a delay, or a dropped connection.
 */

export type Args = Record<string, unknown>;

export interface RecordedCall {
  method: string;
  args: Args;
  token: string | undefined;
  /** Date.now() when the request arrived. */
  at: number;
}

/** A JSON body as Slack would send it with HTTP 200, e.g. `{ ok: false, error: 'not_in_channel' }`. */
export type BodyResponse = { ok: boolean; [key: string]: unknown };
/** A non-200 HTTP answer; `retryAfter` (seconds) sets the `Retry-After` header (use with 429). */
export type StatusResponse = { status: number; retryAfter?: number; body?: unknown };
/** Wait, then answer. */
export type DelayedResponse = { delayMs: number; then: ScriptedResponse };
/** Answer only once `until` settles: Slack is slow for exactly as long as a test needs, not a guessed time. */
export type HeldResponse = { until: Promise<unknown>; then: ScriptedResponse };
/** Destroy the socket without answering (a network error on the client side). */
export type HangUpResponse = { hangUp: true };

export type ScriptedResponse = BodyResponse | StatusResponse | DelayedResponse | HeldResponse | HangUpResponse;
/** Return `undefined` to let this call through to the next script or the default answer. */
export type ScriptFn = (args: Args, call: RecordedCall) => ScriptedResponse | undefined;

interface Script {
  response: ScriptedResponse | ScriptFn;
  remaining: number; // Infinity = every matching call
}

/** A message in the stand-in's model (its current state, after any chat.update). */
export interface SlackMessage {
  channel: string;
  ts: string;
  /** Parent ts when the message is a thread reply. */
  thread_ts?: string;
  /** Same as `thread_ts` (older name kept for callers that use it). */
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  reply_broadcast?: boolean;
  /** Message metadata posted with it (`metadata` of chat.postMessage). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** The arguments of the chat.postMessage call that created it. */
  args: Args;
  /** How many chat.update calls changed it. */
  edits: number;
  /** Every version, oldest first (the first one is the posted one). */
  versions: Array<{ text: string; blocks?: unknown[]; attachments?: unknown[] }>;
  deleted: boolean;
}

export interface StoredView {
  id: string;
  hash: string;
  view: Args;
  /** `views.publish` target for Home tabs. */
  user_id?: string;
  external_id?: string;
}

export const STANDIN_TEAM = { id: 'T0001', name: 'Acme', domain: 'acme' } as const;
export const STANDIN_BOT = { user_id: 'UBOT0001', bot_id: 'BBOT0001', app_id: 'A0001' } as const;
/** The bot scopes of manifest.yml. */
const DEFAULT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'files:write',
  'channels:history',
  'groups:history',
];

/** Form fields that are free text even when they look like JSON. */
const TEXT_FIELDS = new Set(['text', 'markdown_text', 'thread_ts', 'ts', 'channel', 'user', 'hash', 'view_id']);

function isStatus(r: ScriptedResponse): r is StatusResponse {
  return typeof (r as StatusResponse).status === 'number' && !('ok' in r);
}
function isDelay(r: ScriptedResponse): r is DelayedResponse {
  return typeof (r as DelayedResponse).delayMs === 'number' && 'then' in r;
}
function isHeld(r: ScriptedResponse): r is HeldResponse {
  return (r as HeldResponse).until instanceof Promise && 'then' in r;
}
function isHangUp(r: ScriptedResponse): r is HangUpResponse {
  return (r as HangUpResponse).hangUp === true;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SlackStandIn {
  /** Every Web API call, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Bot scopes reported in the `x-oauth-scopes` header. */
  scopes: string[] = [...DEFAULT_SCOPES];
  url = '';

  /** External file uploads (files.getUploadURLExternal → POST → files.completeUploadExternal). */
  readonly files = new SlackFiles(() => this.url);
  private server!: Server;
  private readonly posts = new Map<string, unknown[]>();
  private readonly scripts = new Map<string, Script[]>();
  private readonly store = new Map<string, SlackMessage>(); // `${channel}:${ts}`
  private readonly order: SlackMessage[] = [];
  private readonly viewStore = new Map<string, StoredView>();
  private readonly baseSec = Math.floor(Date.now() / 1000);
  private tsCounter = 0;
  private viewCounter = 0;
  private hashCounter = 0;

  /** Base URL for WebClient's `slackApiUrl` / the app's `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.url}api/`;
  }

  static async start(): Promise<SlackStandIn> {
    const s = new SlackStandIn();
    s.server = createServer((req, res) => {
      s.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/`;
    return s;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Forget calls, posts, scripts, messages and views (ts and view ids keep increasing). */
  reset(): void {
    this.calls.length = 0;
    this.posts.clear();
    this.scripts.clear();
    this.store.clear();
    this.order.length = 0;
    this.viewStore.clear();
    this.files.reset();
  }

  /**
   * Answer the next `times` calls to `method` (default: all of them) with `response`.
   * Scripts queue per method, first added first used; a function may return `undefined` to pass.
   * Use method `response_url:<id>` to script a response_url sink.
   */
  script(method: string, response: ScriptedResponse | ScriptFn, times = Infinity): this {
    const list = this.scripts.get(method) ?? [];
    list.push({ response, remaining: times });
    this.scripts.set(method, list);
    return this;
  }

  /** A URL under the stand-in that records what is POSTed to it (a command's `response_url`). */
  responseUrl(id = 'default'): string {
    return `${this.url}response_url/${encodeURIComponent(id)}`;
  }

  /** The decoded JSON bodies POSTed to `responseUrl(id)`, in order. */
  responseUrlPosts(id = 'default'): unknown[] {
    return [...(this.posts.get(id) ?? [])];
  }

  async waitForResponseUrlPost(id = 'default', count = 1, timeoutMs = 5000): Promise<unknown[]> {
    await this.poll(
      () => (this.posts.get(id)?.length ?? 0) >= count,
      timeoutMs,
      () => `${count} post(s) to response_url ${id}`,
    );
    return this.responseUrlPosts(id);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages created by successful chat.postMessage calls (current state), oldest first. */
  messages(channel?: string): SlackMessage[] {
    return this.order.filter((m) => !m.deleted && (channel === undefined || m.channel === channel));
  }

  /** Top-level messages of a channel (not thread replies), oldest first. */
  topLevel(channel: string): SlackMessage[] {
    return this.messages(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  }

  /** The parent message as last edited, and its replies in order. */
  thread(channel: string, ts: string): { parent: SlackMessage | undefined; replies: SlackMessage[] } {
    const parent = this.store.get(`${channel}:${ts}`);
    const replies = this.order.filter((m) => !m.deleted && m.channel === channel && m.thread_ts === ts && m.ts !== ts);
    return { parent: parent && !parent.deleted ? parent : undefined, replies };
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    return this.store.get(`${channel}:${ts}`);
  }

  /** A view opened, pushed, updated or published through the stand-in. */
  view(id: string): StoredView | undefined {
    return this.viewStore.get(id);
  }

  /** The Home tab last published for `user`. */
  homeView(user: string): StoredView | undefined {
    let found: StoredView | undefined;
    for (const v of this.viewStore.values()) if (v.user_id === user) found = v;
    return found;
  }

  /** Resolve with the first recorded call matching `predicate` (or with that method name). */
  async waitFor(predicate: string | ((c: RecordedCall) => boolean), timeoutMs = 5000): Promise<RecordedCall> {
    const match = typeof predicate === 'string' ? (c: RecordedCall) => c.method === predicate : predicate;
    let hit: RecordedCall | undefined;
    await this.poll(
      () => (hit = this.calls.find(match)) !== undefined,
      timeoutMs,
      () => `a matching Slack call; calls so far: ${this.calls.map((c) => c.method).join(', ') || 'none'}`,
    );
    return hit!;
  }

  /** Least bound of every wait (a safety net, as `eventually` in app-harness); the stand-in's own tests lower it to test the timeout path. */
  minWaitMs = 20_000;

  /** Bounds are safety nets (at least `minWaitMs`): the condition decides. */
  private async poll(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    timeoutMs = Math.max(timeoutMs, this.minWaitMs);
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`SlackStandIn: timed out after ${timeoutMs} ms waiting for ${what()}`);
      await sleep(10);
    }
  }

  private nextScripted(key: string, args: Args, call: RecordedCall): ScriptedResponse | undefined {
    const list = this.scripts.get(key);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const r = typeof s.response === 'function' ? s.response(args, call) : s.response;
      if (r === undefined) continue;
      s.remaining -= 1;
      if (s.remaining <= 0) list.splice(i, 1);
      return r;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const raw = rawBytes.toString('utf8');
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    const contentType = String(req.headers['content-type'] ?? '');

    if (path.startsWith('/upload/') && req.method === 'POST') {
      const id = decodeURIComponent(path.slice('/upload/'.length));
      this.calls.push({ method: `upload:${id}`, args: { bytes: rawBytes.length }, token: undefined, at: Date.now() });
      const answer = this.files.receive(id, rawBytes, req);
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      return;
    }

    if (path.startsWith('/response_url/')) {
      const id = decodeURIComponent(path.slice('/response_url/'.length));
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        /* keep the text */
      }
      const call: RecordedCall = { method: `response_url:${id}`, args: { body }, token: undefined, at: Date.now() };
      const scripted = await this.resolveDelays(this.nextScripted(`response_url:${id}`, call.args, call));
      if (scripted && isHangUp(scripted)) {
        req.socket.destroy();
        return;
      }
      if (scripted && isStatus(scripted)) {
        res.writeHead(scripted.status, { 'content-type': 'text/plain' }).end(String(scripted.body ?? ''));
        return;
      }
      const list = this.posts.get(id) ?? [];
      list.push(body);
      this.posts.set(id, list);
      res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
      return;
    }

    if (req.method !== 'POST' && req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (!path.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const method = path.slice('/api/'.length);
    const args = decodeArgs(raw, contentType);
    const auth = req.headers.authorization;
    let token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    if (typeof args.token === 'string') {
      token ??= args.token;
      delete args.token;
    }
    const call: RecordedCall = { method, args, token, at: Date.now() };
    this.calls.push(call);

    const scripted = await this.resolveDelays(this.nextScripted(method, args, call));
    if (scripted && isHangUp(scripted)) {
      req.socket.destroy();
      return;
    }
    if (scripted && isStatus(scripted)) {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (scripted.retryAfter !== undefined) headers['retry-after'] = String(scripted.retryAfter);
      const body =
        scripted.body === undefined
          ? JSON.stringify({ ok: false, error: scripted.status === 429 ? 'ratelimited' : 'internal_error' })
          : typeof scripted.body === 'string'
            ? scripted.body
            : JSON.stringify(scripted.body);
      res.writeHead(scripted.status, headers).end(body);
      return;
    }

    let body: Record<string, unknown>;
    if (token === undefined || token === '') {
      body = scripted ? (scripted as BodyResponse) : { ok: false, error: 'not_authed' };
    } else if (scripted && (scripted as BodyResponse).ok === false) {
      body = scripted as BodyResponse;
    } else {
      // ok:true scripts are merged over the default answer, so `{ ok: true, ts: '…' }` is enough.
      body = { ...this.defaultResponse(method, args), ...(scripted as BodyResponse | undefined) };
    }
    if (body.ok === true) this.applyToModel(method, args, body);
    res
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'x-oauth-scopes': this.scopes.join(','),
      })
      .end(JSON.stringify(body));
  }

  private async resolveDelays(r: ScriptedResponse | undefined): Promise<ScriptedResponse | undefined> {
    let out = r;
    while (out && (isDelay(out) || isHeld(out))) {
      if (isDelay(out)) await sleep(out.delayMs);
      else await out.until.catch(() => undefined);
      out = out.then;
    }
    return out;
  }

  private nextTs(): string {
    this.tsCounter += 1;
    const sec = this.baseSec + Math.floor(this.tsCounter / 1_000_000);
    return `${sec}.${String(this.tsCounter % 1_000_000).padStart(6, '0')}`;
  }

  private nextHash(): string {
    this.hashCounter += 1;
    return `${this.baseSec}.${String(this.hashCounter).padStart(8, '0')}`;
  }

  private defaultResponse(method: string, args: Args): Record<string, unknown> {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    switch (method) {
      case 'api.test':
        return { ok: true, args };
      case 'files.getUploadURLExternal':
        return this.scopes.includes('files:write')
          ? this.files.getUploadUrl(args)
          : { ok: false, error: 'missing_scope', needed: 'files:write', provided: this.scopes.join(',') };
      case 'files.completeUploadExternal':
        return this.files.complete(args);
      case 'auth.test':
        return {
          ok: true,
          url: `https://${STANDIN_TEAM.domain}.slack.com/`,
          team: STANDIN_TEAM.name,
          user: 'sip-ops',
          team_id: STANDIN_TEAM.id,
          user_id: STANDIN_BOT.user_id,
          bot_id: STANDIN_BOT.bot_id,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const asked = str(args.channel);
        if (!asked) return { ok: false, error: 'channel_not_found' };
        // docs: methods/chat.postMessage ("Channels" / app DMs): a user ID as `channel` posts to the
        // app's DM with that user, and the answer names the DM's channel ID (D…).
        const channel = /^[UW][A-Z0-9]+$/.test(asked) ? dmChannelOf(asked) : asked;
        if (args.text === undefined && args.blocks === undefined && args.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        // docs: methods/chat.postMessage `metadata` (messaging/message-metadata): an object with a string
        // event_type and an object event_payload.
        if (args.metadata !== undefined && !metadataOf(args.metadata))
          return { ok: false, error: 'invalid_metadata_format' };
        const ts = this.nextTs();
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            subtype: 'bot_message',
            user: STANDIN_BOT.user_id,
            bot_id: STANDIN_BOT.bot_id,
            app_id: STANDIN_BOT.app_id,
            team: STANDIN_TEAM.id,
            text: str(args.text) ?? '',
            ts,
            ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
            ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
            ...(str(args.thread_ts) ? { thread_ts: args.thread_ts } : {}),
            ...(args.metadata !== undefined ? { metadata: metadataOf(args.metadata) } : {}),
          },
        };
      }
      case 'conversations.history':
        return this.history(args);
      case 'chat.update': {
        const channel = str(args.channel);
        const ts = str(args.ts);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const m = ts ? this.store.get(`${channel}:${ts}`) : undefined;
        if (!m || m.deleted) return { ok: false, error: 'message_not_found' };
        const text = str(args.text) ?? m.text;
        return {
          ok: true,
          channel,
          ts,
          text,
          message: {
            type: 'message',
            user: STANDIN_BOT.user_id,
            bot_id: STANDIN_BOT.bot_id,
            app_id: STANDIN_BOT.app_id,
            text,
            ...(args.blocks !== undefined ? { blocks: args.blocks } : m.blocks ? { blocks: m.blocks } : {}),
            edited: { user: STANDIN_BOT.user_id, ts: this.nextTs() },
          },
        };
      }
      case 'chat.delete': {
        const key = `${str(args.channel)}:${str(args.ts)}`;
        const m = this.store.get(key);
        if (!m || m.deleted) return { ok: false, error: 'message_not_found' };
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case 'chat.postEphemeral':
        if (!str(args.channel)) return { ok: false, error: 'channel_not_found' };
        if (!str(args.user)) return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.push': {
        if (!str(args.trigger_id) && !str(args.interactivity_pointer)) {
          return {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] },
          };
        }
        return { ok: true, view: this.newView(args, undefined) };
      }
      case 'views.update': {
        const viewId = str(args.view_id);
        const existing = viewId
          ? this.viewStore.get(viewId)
          : [...this.viewStore.values()].find(
              (v) => v.external_id !== undefined && v.external_id === str(args.external_id),
            );
        if (!existing) {
          // A view id from a payload the test built itself (never opened here) is taken at its word.
          if (viewId && /^V[A-Z0-9]+$/.test(viewId)) {
            return { ok: true, view: this.newView(args, { id: viewId, hash: '', view: {} }) };
          }
          return { ok: false, error: 'not_found' };
        }
        if (str(args.hash) && args.hash !== existing.hash) return { ok: false, error: 'hash_conflict' };
        return { ok: true, view: this.newView(args, existing) };
      }
      case 'views.publish': {
        const user = str(args.user_id);
        if (!user)
          return {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: ['[ERROR] missing required field: user_id'] },
          };
        const existing = this.homeView(user);
        if (existing && str(args.hash) && args.hash !== existing.hash) return { ok: false, error: 'hash_conflict' };
        return { ok: true, view: this.newView(args, existing) };
      }
      case 'conversations.info': {
        const id = str(args.channel);
        if (!id) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: {
            id,
            name: id.toLowerCase(),
            is_channel: id.startsWith('C'),
            is_group: id.startsWith('G'),
            is_im: id.startsWith('D'),
            is_private: id.startsWith('G'),
            is_archived: false,
            is_member: true,
            created: this.baseSec - 86_400,
          },
        };
      }
      case 'conversations.join': {
        const id = str(args.channel);
        if (!id) return { ok: false, error: 'channel_not_found' };
        if (id.startsWith('G') || id.startsWith('D'))
          return { ok: false, error: 'method_not_supported_for_channel_type' };
        return {
          ok: true,
          channel: { id, name: id.toLowerCase(), is_channel: true, is_private: false, is_member: true },
        };
      }
      case 'conversations.open': {
        const users = str(args.users) ?? 'X';
        return { ok: true, channel: { id: `D${users.replace(/[^A-Z0-9]/g, '')}` } };
      }
      default:
        return { ok: true };
    }
  }

  /**
   * docs: methods/conversations.history: the channel's messages and thread parents (not replies,
   * unless broadcast), newest first, with `oldest`/`latest` exclusive unless `inclusive`, `limit`
   * (default 100, at most 999) and a `cursor` from `response_metadata.next_cursor`. Message
   * metadata is in the answer with `include_all_metadata`. Needs channels:history (C…) or
   * groups:history (G…).
   */
  private history(args: Args): Record<string, unknown> {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const needed = channel.startsWith('G')
      ? 'groups:history'
      : channel.startsWith('D')
        ? 'im:history'
        : 'channels:history';
    if (!this.scopes.includes(needed))
      return { ok: false, error: 'missing_scope', needed, provided: this.scopes.join(',') };
    const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
    const num = (v: unknown) => (v === undefined || v === '' ? undefined : Number(v));
    const oldest = num(args.oldest) ?? 0;
    const latest = num(args.latest) ?? Infinity;
    const limit = Math.min(Math.max(num(args.limit) ?? 100, 1), 999);
    const start =
      typeof args.cursor === 'string' && args.cursor
        ? Number(Buffer.from(args.cursor, 'base64').toString().slice(5))
        : 0;
    const withMeta =
      args.include_all_metadata === true || args.include_all_metadata === 'true' || args.include_all_metadata === '1';
    const all = this.messages(channel)
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast)
      .filter((m) => {
        const t = Number(m.ts);
        return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
      })
      .reverse();
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        user: STANDIN_BOT.user_id,
        bot_id: STANDIN_BOT.bot_id,
        app_id: STANDIN_BOT.app_id,
        text: m.text,
        ts: m.ts,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
        ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: more,
      pin_count: 0,
      response_metadata: { next_cursor: more ? Buffer.from(`next:${start + limit}`).toString('base64') : '' },
    };
  }

  private newView(args: Args, existing: StoredView | undefined): Args {
    const input = (args.view ?? {}) as Args;
    let id = existing?.id;
    if (!id) {
      this.viewCounter += 1;
      id = `V${String(this.viewCounter).padStart(10, '0')}`;
    }
    return {
      id,
      team_id: STANDIN_TEAM.id,
      type: input.type ?? 'modal',
      blocks: input.blocks ?? [],
      private_metadata: input.private_metadata ?? '',
      callback_id: input.callback_id ?? '',
      state: { values: {} },
      hash: this.nextHash(),
      title: input.title,
      clear_on_close: input.clear_on_close ?? false,
      notify_on_close: input.notify_on_close ?? false,
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: STANDIN_BOT.app_id,
      external_id: input.external_id ?? '',
      app_installed_team_id: STANDIN_TEAM.id,
      bot_id: STANDIN_BOT.bot_id,
    };
  }

  private applyToModel(method: string, args: Args, body: Record<string, unknown>): void {
    const asArray = (v: unknown) => (Array.isArray(v) ? v : undefined);
    if (method === 'chat.postMessage') {
      const channel = String(body.channel ?? args.channel);
      const ts = String(body.ts);
      const threadTs = typeof args.thread_ts === 'string' && args.thread_ts !== '' ? args.thread_ts : undefined;
      const text = typeof args.text === 'string' ? args.text : '';
      const blocks = asArray(args.blocks);
      const attachments = asArray(args.attachments);
      const metadata = metadataOf(args.metadata);
      const m: SlackMessage = {
        channel,
        ts,
        ...(threadTs ? { thread_ts: threadTs, threadTs } : {}),
        ...(metadata ? { metadata } : {}),
        text,
        ...(blocks ? { blocks } : {}),
        ...(attachments ? { attachments } : {}),
        ...(args.reply_broadcast === 'true' || args.reply_broadcast === true ? { reply_broadcast: true } : {}),
        args,
        edits: 0,
        versions: [{ text, ...(blocks ? { blocks } : {}), ...(attachments ? { attachments } : {}) }],
        deleted: false,
      };
      this.store.set(`${channel}:${ts}`, m);
      this.order.push(m);
    } else if (method === 'chat.update') {
      const m = this.store.get(`${String(args.channel)}:${String(args.ts)}`);
      if (!m) return;
      if (typeof args.text === 'string') m.text = args.text;
      const blocks = asArray(args.blocks);
      if (blocks) m.blocks = blocks;
      const attachments = asArray(args.attachments);
      if (attachments) m.attachments = attachments;
      m.edits += 1;
      m.versions.push({
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        ...(m.attachments ? { attachments: m.attachments } : {}),
      });
    } else if (method === 'chat.delete') {
      const m = this.store.get(`${String(args.channel)}:${String(args.ts)}`);
      if (m) m.deleted = true;
    } else if (method.startsWith('views.') && body.view && typeof body.view === 'object') {
      const v = body.view as Args;
      const stored: StoredView = {
        id: String(v.id),
        hash: String(v.hash),
        view: (args.view ?? {}) as Args,
        ...(method === 'views.publish' && typeof args.user_id === 'string' ? { user_id: args.user_id } : {}),
        ...(typeof v.external_id === 'string' && v.external_id !== '' ? { external_id: v.external_id } : {}),
      };
      this.viewStore.set(stored.id, stored);
    }
  }
}

/** Decode a Web API request body as Slack does: form fields (JSON inside for non-scalars) or JSON. */
export function decodeArgs(raw: string, contentType: string): Args {
  if (!raw) return {};
  if (contentType.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Args) : {};
    } catch {
      return {};
    }
  }
  const out: Args = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // WebClient JSON-encodes non-scalar arguments (blocks, view, attachments, metadata) in the form.
    if (!TEXT_FIELDS.has(k) && /^\s*[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the string */
      }
    }
    out[k] = v;
  }
  return out;
}

/** `metadata` as Slack accepts it (a string event_type and an object event_payload), else undefined. */
function metadataOf(v: unknown): SlackMessage['metadata'] {
  if (!v || typeof v !== 'object') return undefined;
  const { event_type, event_payload } = v as Record<string, unknown>;
  if (typeof event_type !== 'string' || !event_type || !event_payload || typeof event_payload !== 'object')
    return undefined;
  return { event_type, event_payload: event_payload as Record<string, unknown> };
}

/** The stand-in's DM channel between the app and `user` (stable per user). */
export function dmChannelOf(user: string): string {
  return `D${user.slice(1)}`;
}
