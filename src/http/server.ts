import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * One HTTP server on one port: our own routes first, everything else to Bolt's receiver
 * (`POST /slack/events`). Counts requests and times Slack acknowledgements.
 */
export function createHttpServer(opts: {
  routes: HttpRoute[];
  slack?: RequestListener;
  metrics: Metrics;
  logger: Logger;
}): Server {
  const table = new Map(opts.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const paths = new Set(opts.routes.map((r) => r.path));
  const server = createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const isSlack = path === '/slack/events';
    const routeLabel = isSlack ? '/slack/events' : paths.has(path) ? path : 'other';
    res.on('finish', () => {
      opts.metrics.httpRequests.inc({ route: routeLabel, status: String(res.statusCode) });
      if (isSlack) opts.metrics.slackAck.observe({ kind: 'slack' }, (performance.now() - started) / 1000);
    });
    const route = table.get(`${req.method ?? 'GET'} ${path}`);
    if (route) {
      Promise.resolve(route.handler(req, res)).catch((err: unknown) => {
        opts.logger.error({ err, path }, 'route handler failed');
        sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (isSlack && opts.slack) {
      opts.slack(req, res);
      return;
    }
    if (paths.has(path)) {
      sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed on ${path}` });
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10000;
  server.requestTimeout = 30000;
  return server;
}
