import { dnsLookupResolver } from '../../../src/sip/dns-resolver';

describe('dnsLookupResolver', () => {
  it('answers IP literals without a lookup and resolves localhost', async () => {
    const resolve = dnsLookupResolver(1000);
    await expect(resolve('127.0.0.1')).resolves.toEqual({ ok: true, addresses: ['127.0.0.1'] });
    const local = await resolve('localhost');
    expect(local.ok).toBe(true);
  });

  it('fails a name that cannot exist, within its bound', async () => {
    const started = performance.now();
    const r = await dnsLookupResolver(1500)('no-such-host.invalid');
    expect(r.ok).toBe(false);
    // A bound, not a speed test: far above 1.5 s (a busy machine) and far below a resolver's own retries.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
