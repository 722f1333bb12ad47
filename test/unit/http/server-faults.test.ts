import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createHttpServer, type HttpRoute } from '../../../src/http/server';
import { Metrics } from '../../../src/metrics';
import { faultAction } from '../../../src/process-guard';

/** Every route's handler throws (synchronously or by rejecting): each answers a logged 500 and the server keeps serving. */
describe('HTTP server: faults in handlers', () => {
  const logged: Array<{ msg?: string; path?: string }> = [];
  const logger = pino(
    { level: 'error' },
    { write: (line: string) => void logged.push(JSON.parse(line) as { msg?: string; path?: string }) },
  );
  const metrics = new Metrics({ defaultMetrics: false });
  let server: Server;
  let base: string;
  const boom = (): never => {
    throw new Error('handler exploded');
  };
  const routes: HttpRoute[] = [
    { method: 'GET', path: '/sync-get', handler: boom },
    { method: 'GET', path: '/async-get', handler: async () => Promise.reject(new Error('handler rejected')) },
    { method: 'POST', path: '/sync-post', handler: boom },
  ];
  beforeAll(async () => {
    server = createHttpServer({
      routes,
      slack: { listener: boom, screen: async () => ({ ok: true, kind: 'command' }) },
      metrics,
      logger,
    });
    await new Promise<void>((r) => server.listen(0, r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((r) => server.close(() => r())));

  it.each([
    ['GET', '/sync-get'],
    ['GET', '/async-get'],
    ['HEAD', '/sync-get'],
    ['POST', '/sync-post'],
    ['POST', '/slack/events'],
  ])('%s %s answers a logged 500 and the server still serves', async (method, path) => {
    const before = logged.length;
    const res = await fetch(`${base}${path}`, { method, ...(method === 'POST' ? { body: 'x' } : {}) });
    expect(res.status).toBe(500);
    expect(logged.slice(before)).toEqual([expect.objectContaining({ msg: 'request handler failed', path })]);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('counts handler failures by route', async () => {
    const text = await metrics.registry.getSingleMetricAsString('sipops_http_handler_failures_total');
    expect(text).toContain('route="/sync-get"');
    expect(text).toContain('route="/slack/events"');
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const put = await fetch(`${base}/sync-get`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    const get = await fetch(`${base}/slack/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('process last resort policy', () => {
  it('keeps serving after a stray rejection or a socket error, restarts after any other exception', () => {
    expect(faultAction('unhandledRejection', new Error('x'))).toBe('keep-serving');
    expect(faultAction('unhandledRejection', null)).toBe('keep-serving');
    expect(faultAction('uncaughtException', Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      'keep-serving',
    );
    expect(
      faultAction('uncaughtException', new TypeError("Cannot read properties of null (reading 'ssl_check')")),
    ).toBe('restart');
    expect(faultAction('uncaughtException', 'a string')).toBe('restart');
  });
});
