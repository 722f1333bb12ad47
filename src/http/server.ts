import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { SlackGateResult } from './slack-gate';

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
}

export const SLACK_EVENTS_PATH = '/slack/events';
/** Carries the Slack payload kind from the gate to the ack-latency label (also visible to the caller). */
const KIND_HEADER = 'x-sip-ops-payload-kind';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Bolt's request listener behind a gate that refuses what Bolt would crash on (see slack-gate.ts). */
export interface SlackEndpoint {
  listener: RequestListener;
  screen: (req: IncomingMessage) => Promise<SlackGateResult>;
}

/** Methods allowed per path; HEAD is answered wherever GET is (Node sends no body for HEAD). */
function allowedMethods(routes: HttpRoute[], slack: boolean): Map<string, string[]> {
  const allow = new Map<string, string[]>();
  for (const r of routes)
    allow.set(r.path, [...(allow.get(r.path) ?? []), ...(r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])]);
  if (slack) allow.set(SLACK_EVENTS_PATH, ['POST']);
  return allow;
}

/**
 * One HTTP server on one port: our own routes first, `POST /slack/events` to Bolt's receiver after
 * the gate. Every request gets an answer (404, 405 with `Allow`, the gate's 4xx) and any exception
 * from a handler, thrown or rejected, becomes a logged 500: no request can end the process.
 */
export function createHttpServer(opts: {
  routes: HttpRoute[];
  slack?: SlackEndpoint;
  metrics: Metrics;
  logger: Logger;
}): Server {
  const table = new Map(opts.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const allow = allowedMethods(opts.routes, Boolean(opts.slack));
  const fail = (res: ServerResponse, path: string, err: unknown): void => {
    opts.logger.error({ err, path }, 'request handler failed');
    opts.metrics.handlerFailures.inc({ route: allow.has(path) ? path : 'other' });
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { error: 'internal error' });
  };
  const handleSlack = async (slack: SlackEndpoint, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const gate = await slack.screen(req);
    if (gate.ok) res.setHeader(KIND_HEADER, gate.kind);
    if (!gate.ok) {
      opts.logger.warn({ status: gate.status, reason: gate.reason }, 'Slack request refused');
      sendJson(res, gate.status, { error: gate.reason });
      return;
    }
    slack.listener(req, res);
  };
  const dispatch = (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | void => {
    const method = req.method ?? 'GET';
    const route = table.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
    if (route) return route.handler(req, res);
    if (path === SLACK_EVENTS_PATH && opts.slack && method === 'POST') return handleSlack(opts.slack, req, res);
    const allowed = allow.get(path);
    if (allowed) {
      req.resume();
      sendJson(res, 405, { error: `method ${method} not allowed on ${path}` }, { allow: allowed.join(', ') });
      return;
    }
    req.resume();
    sendJson(res, 404, { error: 'not found' });
  };
  const server = createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const isSlack = path === SLACK_EVENTS_PATH;
    const routeLabel = allow.has(path) ? path : 'other';
    res.on('finish', () => {
      opts.metrics.httpRequests.inc({ route: routeLabel, status: String(res.statusCode) });
      if (isSlack)
        opts.metrics.slackAck.observe(
          { kind: String(res.getHeader(KIND_HEADER) ?? 'refused') },
          (performance.now() - started) / 1000,
        );
    });
    try {
      Promise.resolve(dispatch(req, res, path)).catch((err: unknown) => fail(res, path, err));
    } catch (err) {
      fail(res, path, err);
    }
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10000;
  server.requestTimeout = 30000;
  return server;
}
