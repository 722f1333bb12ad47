/**
 * HTTP plumbing of the Sinch emulator: routing by method + path template, JSON bodies, the error
 * envelope, bearer-token checks, and per-route failure and latency injection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Error envelope of the EST spec (`components.schemas.Error`: code, status, message, details). */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (m: string) => new ApiError(400, 'INVALID_ARGUMENT', m);
export const notFound = (what: string) => new ApiError(404, 'NO_RESOURCE_FOUND', `${what} not found`);
export const conflict = (m: string) => new ApiError(409, 'ALREADY_EXISTS', m);

export interface Ctx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
}

/** A handler's answer: a status and an optional JSON body. */
export interface Reply {
  status: number;
  body?: unknown;
}

export interface RouteDef {
  method: string;
  /** Path template after the base, e.g. `/trunks/{id}`; also the key for failure injection. */
  template: string;
  /** Which base the template hangs off. */
  base: 'est' | 'numbers' | 'auth';
  /** Skip the bearer check (the token endpoint checks Basic itself). */
  public?: boolean;
  handle(ctx: Ctx): Reply | Promise<Reply>;
}

/** An injected failure for one route: an HTTP error (with Retry-After on 429) or a hang. */
export type Fault =
  { status: 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503; retryAfterSec?: number; message?: string } | { hang: true };

export interface ServerHooks {
  projectId: string;
  checkBearer(authorization: string | undefined): ApiError | undefined;
  takeFault(routeKey: string): Fault | undefined;
  latencyMs(routeKey: string): number;
  record(routeKey: string): void;
}

interface Compiled {
  def: RouteDef;
  re: RegExp;
  names: string[];
}

export class EmulatorServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly compiled: Compiled[];
  private readonly hung = new Set<ServerResponse>();

  constructor(
    routes: RouteDef[],
    private readonly hooks: ServerHooks,
  ) {
    this.compiled = routes.map((def) => compile(def, hooks.projectId));
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const raw = await readBody(req);
    const found = this.match(req.method ?? 'GET', url.pathname);
    if (!found) return writeError(res, notFound(`route ${req.method} ${url.pathname}`));
    const { route, params } = found;
    const key = `${route.def.method} ${route.def.template}`;
    this.hooks.record(key);
    const latency = this.hooks.latencyMs(key);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = this.hooks.takeFault(key);
    if (fault && 'hang' in fault) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return; // never answers; the client's timeout must fire
    }
    if (fault) return writeError(res, faultError(fault));
    try {
      if (!route.def.public) {
        const denied = this.hooks.checkBearer(req.headers.authorization);
        if (denied) throw denied;
      }
      const body = parseJson(raw, req.headers['content-type']);
      const reply = await route.def.handle({ params, query: url.searchParams, body, headers: req.headers });
      res.writeHead(reply.status, reply.body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    } catch (err) {
      writeError(res, err instanceof ApiError ? err : new ApiError(500, 'INTERNAL', 'internal error'));
    }
  }

  private match(method: string, path: string): { route: Compiled; params: Record<string, string> } | undefined {
    for (const route of this.compiled) {
      if (route.def.method !== method) continue;
      const m = route.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
      return { route, params };
    }
    return undefined;
  }
}

function compile(def: RouteDef, projectId: string): Compiled {
  const prefix = def.base === 'auth' ? '' : `/v1/projects/${projectId}`;
  const names: string[] = [];
  const body = def.template.replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { def, names, re: new RegExp(`^${escape(prefix)}${body}$`) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function faultError(f: Exclude<Fault, { hang: true }>): ApiError {
  const status: Record<number, string> = {
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NO_RESOURCE_FOUND',
    409: 'ALREADY_EXISTS',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    502: 'UNAVAILABLE',
    503: 'UNAVAILABLE',
  };
  const headers: Record<string, string> =
    f.retryAfterSec !== undefined ? { 'retry-after': String(f.retryAfterSec) } : {};
  return new ApiError(f.status, status[f.status] ?? 'UNKNOWN', f.message ?? `injected ${f.status}`, headers);
}

function writeError(res: ServerResponse, e: ApiError): void {
  res.writeHead(e.httpStatus, { 'content-type': 'application/json', ...e.headers });
  res.end(JSON.stringify({ code: e.httpStatus, status: e.status, message: e.message, details: [] }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    // EST answers unreadable bodies with 400 "Failed to read HTTP message" (sinch/skills SKILL.md, §1.7 of the reference).
    throw badRequest('Failed to read HTTP message');
  }
}

/** Page envelope the SDK's PAGE2 pagination reads (sdk-client `api-client-pagination-helper.ts`). */
export function paged<T>(key: string, items: T[], query: URLSearchParams, defaultSize: number, maxSize: number): Reply {
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const size = Math.min(maxSize, Math.max(1, Number(query.get('size') ?? String(defaultSize)) || defaultSize));
  const slice = items.slice((page - 1) * size, page * size);
  return { status: 200, body: { [key]: slice, totalItems: items.length, pageNumber: page, pageSize: size } };
}
