import { Metrics } from '../../src/metrics';

describe('Metrics', () => {
  it('starts every test-call and inbound-call outcome at 0, so the first event shows in rate()', async () => {
    const text = await new Metrics({ defaultMetrics: false }).registry.metrics();
    expect(text).toContain('sipops_test_calls_total{kind="test",outcome="answered"} 0');
    expect(text).toContain('sipops_test_calls_total{kind="loopback",outcome="failed"} 0');
    expect(text).toContain('sipops_inbound_calls_total{outcome="no_agent"} 0');
  });

  it('reads a stored gauge at each scrape; a failed read leaves it out of that scrape and is counted', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let next: () => Promise<number> = async () => 3;
    m.storedGauge({
      name: 'sipops_test_stored',
      help: 'a gauge read at scrape time',
      labelNames: ['binding'],
      read: async () => [{ labels: { binding: 'alpha' }, value: await next() }],
    });
    expect(await m.registry.metrics()).toContain('sipops_test_stored{binding="alpha"} 3');
    next = async () => 4;
    expect(await m.registry.metrics()).toContain('sipops_test_stored{binding="alpha"} 4');
    next = () => Promise.reject(new Error('database down'));
    const text = await m.registry.metrics();
    expect(text).not.toContain('sipops_test_stored{');
    expect(text).toContain('sipops_metric_read_failures_total{metric="sipops_test_stored"} 1');
  });

  it('registering a stored gauge again replaces the first (one app, features registered again)', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const def = { name: 'sipops_test_again', help: 'again', labelNames: [] as never[] };
    m.storedGauge({ ...def, read: async () => [{ labels: {}, value: 1 }] });
    m.storedGauge({ ...def, read: async () => [{ labels: {}, value: 2 }] });
    expect(await m.registry.metrics()).toMatch(/^sipops_test_again 2$/m);
  });

  it('a stored gauge without labels and without a value is absent, not 0', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.storedGauge({ name: 'sipops_test_none', help: 'none yet', labelNames: [], read: async () => [] });
    expect(await m.registry.metrics()).not.toMatch(/^sipops_test_none /m);
  });
});
