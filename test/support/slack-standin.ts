import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Slack Web API (and response_url), recording every call with its
 * decoded arguments and token, answering like Slack does, and scriptable per method.
 */

export type Args = Record<string, unknown>;

export interface RecordedCall {
  method: string;
  args: Args;
  token: string | undefined;
  at: number;
}

export type ScriptedResponse =
  | Record<string, unknown> // a JSON body, e.g. { ok: false, error: 'not_in_channel' }
  | { status: number; retryAfter?: number; body?: unknown }
  | { delayMs: number; then: ScriptedResponse };

interface Script {
  response: ScriptedResponse | ((args: Args) => ScriptedResponse | undefined);
  times: number; // Infinity = always
}

export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks?: unknown;
  edits: number;
}

export class SlackStandIn {
  readonly calls: RecordedCall[] = [];
  private readonly posts = new Map<string, unknown[]>();
  private readonly scripts = new Map<string, Script[]>();
  private readonly messageStore = new Map<string, StoredMessage>(); // key channel:ts
  private server!: Server;
  private tsCounter = 0;
  private viewCounter = 0;
  url = '';

  get apiUrl(): string {
    return `${this.url}api/`;
  }

  static async start(): Promise<SlackStandIn> {
    const s = new SlackStandIn();
    s.server = createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/`;
    return s;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  reset(): void {
    this.calls.length = 0;
    this.posts.clear();
    this.scripts.clear();
    this.messageStore.clear();
  }

  /** Answer `method` with `response` for the next `times` calls (default: always). */
  script(method: string, response: Script['response'], times = Infinity): void {
    const list = this.scripts.get(method) ?? [];
    list.push({ response, times });
    this.scripts.set(method, list);
  }

  responseUrl(id = 'default'): string {
    return `${this.url}response_url/${encodeURIComponent(id)}`;
  }

  responseUrlPosts(id = 'default'): unknown[] {
    return this.posts.get(id) ?? [];
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** chat.postMessage calls that succeeded, optionally in one channel. */
  messages(channel?: string): StoredMessage[] {
    return [...this.messageStore.values()].filter((m) => channel === undefined || m.channel === channel);
  }

  /** A parent message (as last edited) and its replies, in order. */
  thread(channel: string, ts: string): { parent: StoredMessage | undefined; replies: StoredMessage[] } {
    const parent = this.messageStore.get(`${channel}:${ts}`);
    const replies = [...this.messageStore.values()].filter((m) => m.channel === channel && m.threadTs === ts);
    return { parent, replies };
  }

  async waitFor(predicate: (c: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.calls.find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching Slack call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private nextScripted(method: string, args: Args): ScriptedResponse | undefined {
    const list = this.scripts.get(method);
    if (!list) return undefined;
    while (list.length) {
      const s = list[0]!;
      const r = typeof s.response === 'function' ? s.response(args) : s.response;
      if (r === undefined) return undefined;
      s.times -= 1;
      if (s.times <= 0) list.shift();
      return r;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/response_url/')) {
      const id = decodeURIComponent(path.slice('/response_url/'.length));
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        /* keep text */
      }
      const list = this.posts.get(id) ?? [];
      list.push(body);
      this.posts.set(id, list);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!path.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = path.slice('/api/'.length);
    const args = decodeArgs(raw, req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
    this.calls.push({ method, args, token, at: Date.now() });

    let scripted = this.nextScripted(method, args);
    while (scripted && 'delayMs' in scripted && typeof scripted.delayMs === 'number') {
      await new Promise((r) => setTimeout(r, scripted && 'delayMs' in scripted ? (scripted.delayMs as number) : 0));
      scripted = (scripted as { then: ScriptedResponse }).then;
    }
    if (scripted && typeof (scripted as { status?: unknown }).status === 'number') {
      const s = scripted as { status: number; retryAfter?: number; body?: unknown };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (s.retryAfter !== undefined) headers['retry-after'] = String(s.retryAfter);
      res.writeHead(s.status, headers).end(JSON.stringify(s.body ?? { ok: false, error: s.status === 429 ? 'ratelimited' : 'internal_error' }));
      return;
    }
    const body = (scripted as Record<string, unknown> | undefined) ?? this.defaultResponse(method, args);
    if (body.ok !== false) this.applyToModel(method, args, body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private defaultResponse(method: string, args: Args): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'sip-ops', team_id: 'T0001', user_id: 'UBOT0001', bot_id: 'BBOT0001' };
      case 'chat.postMessage': {
        this.tsCounter += 1;
        const ts = `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts, blocks: args.blocks } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000000.${String(++this.tsCounter).padStart(6, '0')}` };
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish': {
        this.viewCounter += 1;
        const id = typeof args.view_id === 'string' ? args.view_id : `V${String(this.viewCounter).padStart(8, '0')}`;
        return { ok: true, view: { ...(args.view as Args | undefined), id, hash: `${Date.now()}.${this.viewCounter}` } };
      }
      case 'conversations.info':
        return { ok: true, channel: { id: args.channel, name: 'ops', is_member: true } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? 'X').replace(/[^A-Z0-9]/g, '')}` } };
      default:
        return { ok: true };
    }
  }

  private applyToModel(method: string, args: Args, body: Record<string, unknown>): void {
    if (method === 'chat.postMessage') {
      const channel = String(body.channel ?? args.channel);
      const ts = String(body.ts);
      this.messageStore.set(`${channel}:${ts}`, {
        channel,
        ts,
        ...(typeof args.thread_ts === 'string' ? { threadTs: args.thread_ts } : {}),
        text: typeof args.text === 'string' ? args.text : '',
        ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
        edits: 0,
      });
    } else if (method === 'chat.update') {
      const key = `${String(args.channel)}:${String(args.ts)}`;
      const m = this.messageStore.get(key);
      if (m) {
        if (typeof args.text === 'string') m.text = args.text;
        if (args.blocks !== undefined) m.blocks = args.blocks;
        m.edits += 1;
      }
    }
  }
}

function decodeArgs(raw: string, contentType: string): Args {
  if (!raw) return {};
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Args;
    } catch {
      return {};
    }
  }
  const out: Args = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // WebClient JSON-encodes non-scalar arguments (blocks, view, attachments) inside the form.
    if (/^[[{]/.test(v)) {
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
