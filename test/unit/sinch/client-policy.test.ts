import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger';
import {
  SinchBadKeyError,
  SinchConflictError,
  SinchError,
  SinchForbiddenError,
  SinchInvalidRequestError,
  SinchNotFoundError,
  SinchRateLimitedError,
  SinchTimeoutError,
  SinchUnavailableError,
} from '../../../src/sinch/errors';
import { SECRET, startPair, type Pair } from './harness';

let pair: Pair;
beforeEach(async () => {
  pair = await startPair();
});
afterEach(async () => {
  await pair.emu.stop();
});

const count = (key: string) => pair.emu.requests.filter((r) => r === key).length;

describe('OAuth2 token', () => {
  it('is fetched once and reused while valid', async () => {
    const gw = pair.client.gateway;
    await gw.listTrunks();
    await gw.listAcls();
    await gw.listCountryPermissions();
    expect(pair.emu.tokens.issued).toBe(1);
    expect(count('POST /oauth2/token')).toBe(1);
  });

  it('is renewed 60 s before it expires, not earlier', async () => {
    const gw = pair.client.gateway;
    await gw.listTrunks();
    pair.clock.t += (3600 - 61) * 1000;
    await gw.listTrunks();
    expect(pair.emu.tokens.issued).toBe(1);
    pair.clock.t += 2_000; // now 59 s before expiry
    await gw.listTrunks();
    expect(pair.emu.tokens.issued).toBe(2);
  });

  it('concurrent first requests share one token request', async () => {
    const gw = pair.client.gateway;
    await Promise.all([gw.listTrunks(), gw.listAcls(), gw.listCredentialLists()]);
    expect(pair.emu.tokens.issued).toBe(1);
  });

  it('a 401 on a cached token (revoked/expired server-side) fetches a new one and retries once', async () => {
    const gw = pair.client.gateway;
    await gw.listTrunks();
    pair.emu.tokens.revokeAll();
    await expect(gw.listTrunks()).resolves.toEqual([]);
    expect(pair.emu.tokens.issued).toBe(2);
  });

  it('a wrong key secret is a bad-key error naming the token step', async () => {
    const bad = pair.make({ keySecret: 'Wrong-Secret-Value-1' });
    const err = await bad.gateway.listTrunks().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchBadKeyError);
    expect((err as SinchError).message).toMatch(/access key.*POST \/oauth2\/token.*HTTP 401/);
  });
});

describe('rate limits and server errors', () => {
  it('429 waits exactly Retry-After, then succeeds', async () => {
    pair.emu.failNext('GET /trunks', { status: 429, retryAfterSec: 7 });
    await expect(pair.client.gateway.listTrunks()).resolves.toEqual([]);
    expect(pair.sleeps).toEqual([7000]);
    expect(count('GET /trunks')).toBe(2);
  });

  it('429 without Retry-After backs off exponentially; after the bound it is rate-limited with the server hint', async () => {
    pair.emu.failNext('GET /trunks', { status: 429 }, 3);
    pair.emu.failNext('GET /trunks', { status: 429, retryAfterSec: 5 }, 1);
    const err = await pair.client.gateway.listTrunks().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchRateLimitedError);
    expect((err as SinchRateLimitedError).retryAfterSec).toBe(5);
    expect(pair.sleeps).toEqual([250, 500, 1000]);
    expect(count('GET /trunks')).toBe(4);
  });

  it('a Retry-After longer than the client will wait fails at once without sleeping', async () => {
    pair.emu.failNext('GET /trunks', { status: 429, retryAfterSec: 3600 });
    const err = await pair.client.gateway.listTrunks().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchRateLimitedError);
    expect(pair.sleeps).toEqual([]);
  });

  it('5xx is retried with backoff at most max5xxRetries times, then unavailable', async () => {
    pair.emu.failNext('GET /trunks/{id}', { status: 500 }, 10);
    const err = await pair.client.gateway.getTrunk('01X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchUnavailableError);
    expect(count('GET /trunks/{id}')).toBe(3);
    expect(pair.sleeps).toEqual([250, 500]);
  });

  it('a transient 503 is retried and the call succeeds', async () => {
    pair.emu.failNext('GET /accessControlLists', { status: 503 });
    await expect(pair.client.gateway.listAcls()).resolves.toEqual([]);
    expect(count('GET /accessControlLists')).toBe(2);
  });

  it('a POST answered 500 is not repeated (it may have created the resource)', async () => {
    pair.emu.failNext('POST /trunks', { status: 500 });
    await expect(pair.client.gateway.createTrunk({ name: 'a', hostName: 'a' })).rejects.toBeInstanceOf(
      SinchUnavailableError,
    );
    expect(count('POST /trunks')).toBe(1);
  });
});

describe('exchange reporting', () => {
  it('reports every exchange, retries included, with the operation and status or failure kind', async () => {
    const seen: string[] = [];
    const c = pair.make({
      timeoutMs: 1_000,
      tokenTimeoutMs: 10_000,
      onExchange: (e) => seen.push(`${e.operation} ${e.status ?? e.failure}`),
    });
    pair.emu.failNext('GET /trunks/{id}', { status: 503 });
    await expect(c.gateway.getTrunk('01X')).rejects.toMatchObject({ kind: 'not-found' });
    pair.emu.failNext('GET /accessControlLists', { hang: true });
    await expect(c.gateway.listAcls()).rejects.toMatchObject({ kind: 'timeout' });
    expect(seen).toEqual(['GET /trunks/{id} 503', 'GET /trunks/{id} 404', 'GET /accessControlLists timeout']);
  });
});

describe('timeouts', () => {
  it('a hang past the timeout is a timeout error naming the operation', async () => {
    const quick = pair.make({ timeoutMs: 150, tokenTimeoutMs: 10_000 });
    pair.emu.failNext('GET /trunks/{id}/endpoints', { hang: true });
    const err = await quick.gateway.listEndpoints('01T').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchTimeoutError);
    expect((err as SinchError).message).toContain('GET /trunks/{id}/endpoints');
  });
});

describe('classification', () => {
  it.each([
    [401, SinchBadKeyError, 'bad-key'],
    [403, SinchForbiddenError, 'forbidden'],
    [404, SinchNotFoundError, 'not-found'],
    [409, SinchConflictError, 'conflict'],
  ] as const)('injected %d → %p', async (status, cls, kind) => {
    pair.emu.failNext('GET /countryPermissions', { status }, 2);
    const err = await pair.client.gateway.listCountryPermissions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect((err as SinchError).kind).toBe(kind);
    expect((err as SinchError).status).toBe(status);
    expect((err as SinchError).operation).toBe('GET /countryPermissions');
  });

  it('real refusals from the emulator are classified too', async () => {
    const gw = pair.client.gateway;
    await gw.createTrunk({ name: 'one', hostName: 'acme-lk' });
    await expect(gw.createTrunk({ name: 'two', hostName: 'acme-lk' })).rejects.toBeInstanceOf(SinchConflictError);
    await expect(gw.getTrunk('01NOPE')).rejects.toMatchObject({ kind: 'not-found', apiStatus: 'NO_RESOURCE_FOUND' });
    await expect(
      gw.createAcl({ name: 'x', enabled: true, ipRanges: [{ ipAddress: '203.0.113.10', range: 40 }] }),
    ).rejects.toBeInstanceOf(SinchInvalidRequestError);
  });
});

describe('the key secret', () => {
  it('never appears in an error message, a serialised error or a log line', async () => {
    const gw = pair.client.gateway;
    const errors: unknown[] = [];
    const fail = async (p: Promise<unknown>) =>
      errors.push(await p.then(() => new Error('unexpected success')).catch((e: unknown) => e));
    // Sinch echoing the secret in an error body must not leak it either.
    pair.emu.failNext('GET /trunks', { status: 403, message: `key emulated-key-id:${SECRET} is not allowed` });
    await fail(gw.listTrunks());
    pair.emu.failNext('GET /accessControlLists', { status: 429, retryAfterSec: 999, message: `slow down ${SECRET}` });
    await fail(gw.listAcls());
    pair.emu.failNext('GET /credentialLists', { status: 500, message: SECRET }, 5);
    await fail(gw.listCredentialLists());
    await fail(pair.make({ keySecret: `${SECRET}-wrong` }).gateway.listTrunks());
    pair.emu.failNext('POST /oauth2/token', { status: 401, message: `bad secret ${SECRET}` });
    await fail(pair.make().gateway.listTrunks());
    expect(errors).toHaveLength(5);

    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      pretty: false,
      secrets: [SECRET],
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    });
    for (const e of errors) {
      expect(e).toBeInstanceOf(SinchError);
      const text = `${(e as Error).message} ${JSON.stringify(e)} ${String(e)}`;
      expect(text).not.toContain(SECRET);
      log.warn({ err: e }, `Sinch step failed: ${(e as Error).message}`);
    }
    expect(lines.join('')).toContain('Sinch step failed');
    expect(lines.join('')).not.toContain(SECRET);
  });
});
