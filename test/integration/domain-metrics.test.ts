import type { Binding } from '../../src/domain/binding';
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { healthFeature, type HealthFeature } from '../../src/features/health';
import { inboundFeature } from '../../src/features/inbound';
import { LoopbackClaims } from '../../src/features/loopback-claims';
import { testCallFeature } from '../../src/features/test-call';
import { SUPPORT_CHANNEL, eventually, startHarness, type Harness, type HarnessOptions } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { threadText } from '../support/inbound-slack';
import type { InboundCall } from '../support/livekit-emulator/types';
import { createTestDatabase, postgresCasesRun } from '../support/postgres';
import { Scrape } from '../support/prometheus';

/**
 * The domain metrics through the real HTTP surface: a health run, a test call and inbound calls
 * through the service, then GET /metrics parsed. The agent watchdog (1.5 s) is far from the
 * emulator's own delays (an agent joining after 30 ms, a 50 ms call); the call that must outlive it is
 * held open until the warning is posted (`hangUpWhen`).
 */
const TESTER = 'UTESTER1';
const REPORT = 'CREPORT01';
const AGENT_TIMEOUT_MS = 1500;

/** Every host resolves and answers OPTIONS: a binding fails only through what the test breaks in LiveKit. */
const resolver: DnsResolver = async () => ({ ok: true, addresses: ['192.0.2.10'] });
const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 4, server: 'fake' });

interface Started {
  h: Harness;
  health: HealthFeature;
}

async function start(opts: Pick<HarnessOptions, 'env'> = {}): Promise<Started> {
  let health: HealthFeature | undefined;
  const h = await startHarness({
    env: { TEST_CALL_USER_IDS: TESTER, ...opts.env },
    features: (deps: AppDeps) => {
      const loopbacks = new LoopbackClaims(() => deps.now().getTime());
      health = healthFeature(deps, { prober, resolver, schedule: false, threadPaceMs: 0 });
      return [
        health,
        testCallFeature(deps, { holdMs: 200, loopbacks }),
        inboundFeature(deps, { paceIntervalMs: 20, agentTimeoutMs: AGENT_TIMEOUT_MS, loopbacks }),
      ];
    },
  });
  return { h, health: health! };
}

/** Scrapes until `pick` returns true of the scrape; returns that scrape. */
function scrapeUntil(h: Harness, pick: (s: Scrape) => boolean, what: string): Promise<Scrape> {
  return eventually(
    async () => {
      const s = await Scrape.of(h.base);
      return pick(s) ? s : undefined;
    },
    25_000,
    what,
  );
}

/** Each binding's state in the scrape: the status label whose value is 1. */
function healthStates(s: Scrape): Record<string, string> {
  const out: Record<string, string> = {};
  for (const x of s.all('sipops_binding_health')) if (x.value === 1) out[x.labels.binding!] = x.labels.status!;
  return out;
}

/** Adds an event taken in `ageMs` ago and never processed (what a crash between intake and processing leaves). */
async function stuckWebhook(h: Harness, id: string, ageMs: number): Promise<void> {
  const receivedAt = new Date(h.deps.now().getTime() - ageMs);
  const payload = JSON.stringify({ event: 'room_started', id });
  await h.deps.repos.webhookEvents.recordNew(
    [{ id, event: 'room_started', roomName: 'r', payload, receivedAt }],
    receivedAt,
  );
}

describe('domain metrics on /metrics', () => {
  let h: Harness;
  let health: HealthFeature;
  let alpha: Binding;
  let bravo: Binding;

  beforeAll(async () => {
    ({ h, health } = await start());
    alpha = await seedBinding(h.deps, { name: 'alpha', agentName: 'inbound-agent', reportChannel: REPORT });
    bravo = await seedBinding(h.deps, { name: 'bravo', trunkDomain: 'bravo.pstn.sinch.com', reportChannel: REPORT });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('before anything ran: every binding unknown, no last run, every outcome at 0, no webhook waiting', async () => {
    const s = await Scrape.of(h.base);
    expect(healthStates(s)).toEqual({ alpha: 'unknown', bravo: 'unknown' });
    expect(
      s
        .all('sipops_binding_health', { binding: 'alpha' })
        .map((x) => x.labels.status)
        .sort(),
    ).toEqual(['fail', 'pass', 'unknown', 'warn']);
    expect(s.value('sipops_health_last_run_timestamp_seconds')).toBeUndefined();
    expect(s.value('sipops_health_last_run_passed')).toBeUndefined();
    expect(s.value('sipops_test_calls_total', { kind: 'test', outcome: 'answered' })).toBe(0);
    expect(s.value('sipops_inbound_calls_total', { outcome: 'agent_joined' })).toBe(0);
    expect(s.value('sipops_webhook_oldest_unprocessed_age_seconds')).toBe(0);
    expect(s.all('sipops_metric_read_failures_total')).toEqual([]);
    // Node's default metrics keep their standard names.
    expect(s.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it("a health run: each binding's status, when the run finished and whether it passed", async () => {
    const del = await h.deps.livekit.deleteDispatchRule(bravo.resources.dispatchRuleId!);
    expect(del.ok).toBe(true);
    const run = await health.runAll('manual');
    const s = await Scrape.of(h.base);
    expect(healthStates(s)).toEqual({ alpha: 'pass', bravo: 'fail' });
    expect(s.value('sipops_binding_health', { binding: 'bravo', status: 'pass' })).toBe(0);
    expect(s.value('sipops_health_last_run_timestamp_seconds')).toBe(run.finishedAt.getTime() / 1000);
    expect(s.value('sipops_health_last_run_passed')).toBe(0);

    // A binding added since: unknown until its first check; a single check leaves the full run's gauges alone.
    await seedBinding(h.deps, { name: 'charlie', trunkDomain: 'charlie.pstn.sinch.com', reportChannel: REPORT });
    await health.checkBinding('charlie');
    const after = await Scrape.of(h.base);
    expect(healthStates(after)).toEqual({ alpha: 'pass', bravo: 'fail', charlie: 'pass' });
    expect(after.value('sipops_health_last_run_timestamp_seconds')).toBe(run.finishedAt.getTime() / 1000);

    // bravo deleted (as /sip-setup deletes: its LiveKit side, then its row): its series goes, although its
    // last status is still stored; the next full run passes.
    for (const id of [bravo.resources.inboundTrunkId!, bravo.resources.outboundTrunkId!])
      expect((await h.deps.livekit.deleteTrunk(id)).ok).toBe(true);
    await h.deps.repos.bindings.delete('bravo');
    expect(healthStates(await Scrape.of(h.base))).toEqual({ alpha: 'pass', charlie: 'pass' });
    const again = await health.runAll('manual');
    const passed = await Scrape.of(h.base);
    expect(passed.value('sipops_health_last_run_passed')).toBe(1);
    expect(passed.value('sipops_health_last_run_timestamp_seconds')).toBe(again.finishedAt.getTime() / 1000);
  });

  it('a test call is counted by its outcome', async () => {
    const res = await h.client.command({
      command: '/sip-test-call',
      text: 'alpha +14156661001',
      user_id: TESTER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    const s = await scrapeUntil(
      h,
      (x) => x.value('sipops_test_calls_total', { kind: 'test', outcome: 'answered' }) === 1,
      'the answered test call counted',
    );
    expect(s.value('sipops_test_calls_total', { kind: 'test', outcome: 'failed' })).toBe(0);
    expect(s.value('sipops_test_calls_total', { kind: 'test', outcome: 'no-answer' })).toBe(0);
  });

  it('inbound calls are counted by outcome when they end: agent joined, no agent in time, caller gone first', async () => {
    const call = async (c: Omit<InboundCall, 'to'>): Promise<void> => {
      const r = await h.livekit.simulateInboundCall({ to: alpha.dids[0]!, ...c });
      expect(r.routed).toBe(true);
    };
    const inbound = (s: Scrape, outcome: string) => s.value('sipops_inbound_calls_total', { outcome });
    await call({ from: '+15550301', agent: { joinAfterMs: 30 }, durationMs: 50 });
    await scrapeUntil(h, (s) => inbound(s, 'agent_joined') === 1, 'the call with an agent counted');
    // The caller stays on the line until the warning is posted.
    const warned = eventually(
      () => h.slack.topLevel(REPORT).some((p) => threadText(h, p).includes('No agent joined within')),
      25_000,
      'the no-agent warning',
    );
    await call({ from: '+15550302', agent: 'none', hangUpWhen: warned });
    await scrapeUntil(h, (s) => inbound(s, 'no_agent') === 1, 'the call without an agent counted');
    await call({ from: '+15550303', agent: 'none', durationMs: 50 });
    const s = await scrapeUntil(h, (x) => inbound(x, 'ended_before_agent') === 1, 'the short call counted');
    expect(inbound(s, 'agent_joined')).toBe(1);
    expect(inbound(s, 'no_agent')).toBe(1);
    expect(inbound(s, 'unbound')).toBe(0);
  });

  it('the age of the oldest webhook event taken in and not processed', async () => {
    const before = Date.now();
    await stuckWebhook(h, 'EV_stuck_metrics_1', 90_000);
    const age = (await Scrape.of(h.base)).value('sipops_webhook_oldest_unprocessed_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThanOrEqual(90 + (Date.now() - before) / 1000);
  });
});

(postgresCasesRun() ? describe : describe.skip)('domain metrics of two replicas on one PostgreSQL database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: Started;
  let b: Started;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await start({ env: { DATABASE_URL: db.url } });
    b = await start({ env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await a?.h.stop();
    await b?.h.stop();
    await db?.drop();
  });

  it('report the same shared state, whichever replica did the work', async () => {
    await seedBinding(a.h.deps, { name: 'delta', reportChannel: REPORT });
    const run = await a.health.runAll('manual');
    const before = Date.now();
    // Stuck for real: the room's owner is a replica that died holding it (its lease has not run out), so no
    // live replica's sweep takes the event before the scrape.
    await a.h.deps.repos.coordination.leases.acquire('room:r', 'a-replica-that-died', 10 * 60_000);
    await stuckWebhook(a.h, 'EV_stuck_metrics_pg', 60_000);
    const [sa, sb] = [await Scrape.of(a.h.base), await Scrape.of(b.h.base)];
    for (const s of [sa, sb]) {
      expect(healthStates(s)).toEqual({ delta: 'pass' });
      expect(s.value('sipops_health_last_run_timestamp_seconds')).toBe(run.finishedAt.getTime() / 1000);
      expect(s.value('sipops_health_last_run_passed')).toBe(1);
      const age = s.value('sipops_webhook_oldest_unprocessed_age_seconds')!;
      expect(age).toBeGreaterThanOrEqual(60);
      expect(age).toBeLessThanOrEqual(60 + (Date.now() - before) / 1000);
    }
  });
});
