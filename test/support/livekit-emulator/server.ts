/** HTTP + Twirp routing as livekit-server serves it (auth middleware, then the Twirp handlers). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { authenticate, type Grants } from './auth';
import {
  decodeRequest,
  encodeResponse,
  JSON_CONTENT_TYPE,
  PROTOBUF_CONTENT_TYPE,
  type ProtoClass,
  type ProtoMessage,
} from './codec';
import type { Timers } from './timers';
import { badRoute, TwirpError, writeBody, writePlainError, writeTwirpError } from './twirp';
import type { Fault } from './types';

export interface Route {
  req: ProtoClass<unknown>;
  handle(req: unknown, grants: Grants | undefined): ProtoMessage | Promise<ProtoMessage>;
}

/** service name (after `livekit.`) → method → route; `null` = routed by the server but not emulated (`unimplemented`). */
export type RouteTable = Record<string, Record<string, Route | null>>;

export interface RecordedRequest {
  service: string;
  method: string;
  body: unknown;
  at: number;
}

export interface TwirpServerHooks {
  keys(): Readonly<Record<string, string>>;
  latencyMs(): number;
  /** While set, a recorded request is answered only once this settles. */
  held?(): Promise<unknown> | undefined;
  takeFault(method: string): Fault | undefined;
  record(r: RecordedRequest): void;
}

const PATH_RE = /^\/twirp\/livekit\.([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/;

export class TwirpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(
    private readonly routes: RouteTable,
    private readonly hooks: TwirpServerHooks,
    private readonly timers: Timers,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  async listen(port = this.port): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          writeTwirpError(res, new TwirpError('internal', err instanceof Error ? err.message : String(err)));
      });
    });
    server.keepAliveTimeout = 5_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops accepting connections and drops every open one (pending 'hang' requests included). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const httpMethod = req.method ?? 'GET';

    const latency = this.hooks.latencyMs();
    if (latency > 0) await this.timers.sleep(latency);

    // livekit-server's auth middleware runs before any Twirp routing.
    const auth = await authenticate(req.headers.authorization, url.searchParams.get('access_token'), this.hooks.keys());
    if (!auth.ok) {
      writePlainError(res, auth.status, auth.text);
      return;
    }

    if (httpMethod !== 'POST') {
      writeTwirpError(
        res,
        badRoute(`unsupported method ${JSON.stringify(httpMethod)} (only POST is allowed)`, httpMethod, path),
      );
      return;
    }
    const m = PATH_RE.exec(path);
    const service = m?.[1];
    const method = m?.[2];
    const svc = service !== undefined ? this.routes[service] : undefined;
    if (!svc || method === undefined || !(method in svc)) {
      writeTwirpError(res, badRoute(`no handler for path ${JSON.stringify(path)}`, httpMethod, path));
      return;
    }
    const rawType = req.headers['content-type'] ?? '';
    const contentType = rawType.split(';')[0]!.trim().toLowerCase();
    if (contentType !== JSON_CONTENT_TYPE && contentType !== PROTOBUF_CONTENT_TYPE) {
      writeTwirpError(res, badRoute(`unexpected Content-Type: ${JSON.stringify(rawType)}`, httpMethod, path));
      return;
    }

    let body: unknown;
    if (contentType === JSON_CONTENT_TYPE) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    } else body = raw.toString('base64');
    this.hooks.record({ service: service!, method, body, at: Date.now() });

    let fault = this.hooks.takeFault(method);
    if (typeof fault === 'object' && 'answerWhen' in fault) {
      await fault.answerWhen.catch(() => undefined);
      fault = undefined;
    }
    if (fault === 'hang') return; // never answered; the socket is dropped on stop/setAvailable(false)
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault) {
      writeTwirpError(res, new TwirpError(fault.code, fault.msg, fault.meta ?? {}));
      return;
    }

    await this.hooks.held?.()?.catch(() => undefined);
    const route = svc[method];
    try {
      if (!route) throw new TwirpError('unimplemented', `${method} is not implemented by the LiveKit emulator`);
      const decoded = decodeRequest(route.req, raw, contentType);
      const out = await route.handle(decoded, auth.grants);
      if (res.destroyed) return;
      writeBody(res, contentType, encodeResponse(out, contentType));
    } catch (err) {
      if (res.destroyed) return;
      writeTwirpError(
        res,
        err instanceof TwirpError ? err : new TwirpError('internal', err instanceof Error ? err.message : String(err)),
      );
    }
  }
}
