import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRepos, openStore } from '../../src/store';
import { META_LAST_SCHEDULED } from '../../src/store/health-status-store';
import { ADMIN_USER, OPS_CHANNEL, TEST_SIGNING_SECRET, harnessEnv } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { createTestDatabase, postgresCasesRun } from '../support/postgres';
import { until } from '../support/replica-set';
import { startProcess, waitForPort, type Child } from '../support/service-process';
import { SlackClient } from '../support/slack-request';
import { SlackStandIn } from '../support/slack-standin';
import { WebhookBalancer } from '../support/webhook-balancer';

const SECOND_ADMIN = 'U0ADMIN2';
const THIRD_ADMIN = 'U0ADMIN3';
/** Long enough for the refusal asked right after the kill to land inside it on a busy machine. */
const CHANGE_LEASE_MS = 10_000;

/** Three service processes (replicas) on one PostgreSQL database, as a load balancer would see them. */
(postgresCasesRun() ? describe : describe.skip)('three replicas on one PostgreSQL database', () => {
  let slack: SlackStandIn;
  let livekit: LiveKitEmulator;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let replicas: Child[] = [];
  let bases: string[] = [];

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    livekit = await LiveKitEmulator.start();
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sip-ops-replicas-'));
    // The last scheduled summary was two days ago: every replica finds a missed one at start.
    const seed = await openStore(db.url);
    await createRepos(seed).meta.set(META_LAST_SCHEDULED, new Date(Date.now() - 2 * 86_400_000).toISOString());
    await seed.close();
    const env = harnessEnv(livekit, slack, dir, {
      DATABASE_URL: db.url,
      ADMIN_USER_IDS: `${ADMIN_USER},${SECOND_ADMIN},${THIRD_ADMIN}`,
      LOG_LEVEL: 'info',
      // A dead replica's change is taken over once this runs out (survivors sweep every half of it).
      CHANGE_LEASE_MS: String(CHANGE_LEASE_MS),
    });
    replicas = [0, 1, 2].map(() => startProcess(env));
    const ports = await Promise.all(replicas.map((r) => waitForPort(r)));
    bases = ports.map((p) => `http://127.0.0.1:${p}`);
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exit));
    await livekit?.stop();
    await slack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the summary missed while all were down is made up once, by one of the three', async () => {
    // Each replica decided at start (before it listened) whether it makes the run up.
    await until(
      () => slack.topLevel(OPS_CHANNEL).some((m) => JSON.stringify(m).includes('SIP health')),
      'the make-up summary',
    );
    const store = await openStore(db.url);
    try {
      await until(async () => {
        const row = await store.db
          .selectFrom('coordination_leases')
          .select('done')
          .where('key', 'like', 'slot:summary:make-up:%')
          .executeTakeFirst();
        return row?.done === 1;
      }, 'the make-up slot marked served');
    } finally {
      await store.close();
    }
    const madeUp = replicas.filter((r) => r.stdout().includes('a scheduled run was missed while SIP Ops was down'));
    expect(madeUp).toHaveLength(1);
    expect(slack.topLevel(OPS_CHANNEL).filter((m) => JSON.stringify(m).includes('SIP health'))).toHaveLength(1);
  });

  it('two admins creating the same binding through two replicas: one change, one clear refusal', async () => {
    livekit.setLatency(300); // the winning change is still running when the other submission asks
    try {
      const form = plainBindingForm({ name: 'acme-us' });
      const [a, b] = await Promise.all([
        submitCreateForm(new SlackClient(bases[0]!, TEST_SIGNING_SECRET), form, { user: ADMIN_USER }),
        submitCreateForm(new SlackClient(bases[1]!, TEST_SIGNING_SECRET), form, { user: SECOND_ADMIN }),
      ]);
      const answers = [a, b].map((r) => JSON.stringify(r.body));
      const refused = answers.filter((t) => t.includes('"response_action":"errors"'));
      const accepted = answers.filter((t) => t.includes('"response_action":"clear"'));
      expect(accepted).toHaveLength(1);
      expect(refused).toHaveLength(1);
      const winner = answers[0] === accepted[0] ? ADMIN_USER : SECOND_ADMIN;
      expect(refused[0]).toContain(`A change to acme-us is in progress by @${winner}.`);
      const store = await openStore(db.url);
      try {
        await until(
          async () => (await createRepos(store).bindings.get('acme-us')) !== undefined,
          'the binding committed',
        );
        expect(await createRepos(store).bindings.count()).toBe(1);
        expect((await createRepos(store).bindings.get('acme-us'))?.createdBy).toBe(winner);
      } finally {
        await store.close();
      }
    } finally {
      livekit.setLatency(0);
    }
  });

  it("an inbound burst spread over the three replicas stays within Slack's one message per second per channel", async () => {
    const channel = 'CBURST001';
    const did = '+14155550177';
    const created = await submitCreateForm(
      new SlackClient(bases[0]!, TEST_SIGNING_SECRET),
      plainBindingForm({
        name: 'burst-us',
        trunkDomain: 'burst.pstn.sinch.com',
        dids: did,
        callerId: did,
        agentName: 'burst-agent',
        reportChannel: channel,
      }),
    );
    expect(JSON.stringify(created.body)).toContain('"response_action":"clear"');
    const store = await openStore(db.url);
    const balancer = await WebhookBalancer.start(() => bases, 'by-room');
    try {
      await until(async () => (await createRepos(store).bindings.get('burst-us')) !== undefined, 'the binding');
      // The change's own messages in the channel are done before the burst; only the burst's calls are checked.
      await until(() => slack.topLevel(channel).some((m) => m.text.includes('created binding burst-us')), 'announced');
      const t0 = Date.now();
      livekit.setWebhookUrl(balancer.url);
      const CALLS = 9;
      const results = await Promise.all(
        Array.from({ length: CALLS }, (_, i) =>
          livekit.simulateInboundCall({
            from: `+1555010${String(i).padStart(4, '0')}`,
            to: did,
            agent: { joinAfterMs: 5 + i },
            durationMs: 40 + i * 5,
          }),
        ),
      );
      expect(results.filter((r) => r.routed)).toHaveLength(CALLS);
      await livekit.flushWebhooks();
      // The rooms went to all three replicas.
      expect(new Set(balancer.deliveries.map((d) => d.replica)).size).toBe(3);
      await until(
        () => {
          const parents = slack.topLevel(channel).filter((p) => p.text.startsWith('Inbound call from'));
          return (
            parents.length === CALLS &&
            parents.every((p) => slack.thread(channel, p.ts).replies.some((r) => r.text.includes('Hung up after')))
          );
        },
        'every call reported',
        120_000,
      ).catch((err: unknown) => {
        const parents = slack.topLevel(channel);
        const detail = parents.map((p) => [p.text, slack.thread(channel, p.ts).replies.map((r) => r.text)]);
        const logs = replicas.map((r) =>
          r
            .stdout()
            .split('\n')
            .filter((l) => l.includes('inbound'))
            .slice(-5),
        );
        throw new Error(
          `${(err as Error).message}: ${JSON.stringify({ detail, deliveries: balancer.deliveries.length, logs })}`,
        );
      });
      // What reached the stand-in for this channel, in arrival order: never two within Slack's second.
      const calls = slack
        .callsTo('chat.postMessage')
        .concat(slack.callsTo('chat.update'))
        .filter((c) => c.args.channel === channel && c.at >= t0)
        .sort((a, b) => a.at - b.at);
      expect(calls.length).toBeGreaterThanOrEqual(2 * CALLS);
      const close = calls.slice(1).flatMap((c, i) => {
        const gap = c.at - calls[i]!.at;
        return gap < 1000
          ? [{ gap, first: calls[i]!.method, then: c.method, text: String(c.args.text).slice(0, 60) }]
          : [];
      });
      expect(close).toEqual([]);
    } finally {
      livekit.setWebhookUrl(undefined);
      await balancer.stop();
      await store.close();
    }
  }, 400_000);

  it('a change whose replica is killed mid-change is rolled back once by a survivor after its lease; meanwhile a third submission is refused', async () => {
    const store = await openStore(db.url);
    const journal = () =>
      store.db.selectFrom('change_journal').selectAll().where('binding_name', '=', 'acme-eu').executeTakeFirst();
    try {
      const form = plainBindingForm({
        name: 'acme-eu',
        trunkDomain: 'acme-eu.pstn.sinch.com',
        dids: '+442071838750',
        callerId: '+442071838750',
      });
      const first = await submitCreateForm(new SlackClient(bases[2]!, TEST_SIGNING_SECRET), form, { user: ADMIN_USER });
      expect(JSON.stringify(first.body)).toContain('"response_action":"clear"');
      livekit.setLatency(1000); // every LiveKit step takes a second: the change is caught between steps
      await until(async () => (await journal())?.steps.includes('"status":"done"') === true, 'a first step done');
      replicas[2]!.kill('SIGKILL');
      await replicas[2]!.exit;
      livekit.setLatency(0);
      const atKill = await journal();
      expect(atKill?.state).toBe('applying'); // killed mid-change (the test is void otherwise)
      const doneAtKill = (JSON.parse(atKill!.steps) as Array<{ status: string }>).filter((s) => s.status === 'done');

      // The dead replica's lease still runs: another admin on a survivor is told who holds the binding.
      const third = await submitCreateForm(new SlackClient(bases[0]!, TEST_SIGNING_SECRET), form, {
        user: THIRD_ADMIN,
      });
      expect(JSON.stringify(third.body)).toContain(`A change to acme-eu is in progress by @${ADMIN_USER}.`);

      await until(
        async () => (await journal())?.state === 'rolled_back',
        'the change rolled back by a survivor',
        60_000,
      );
      const after = await journal();
      const steps = JSON.parse(after!.steps) as Array<{ status: string }>;
      expect(steps.filter((s) => s.status === 'done')).toEqual([]);
      expect(steps.filter((s) => s.status === 'undone').length).toBeGreaterThanOrEqual(doneAtKill.length);
      expect(await createRepos(store).bindings.get('acme-eu')).toBeUndefined();
      const rolledBack = () =>
        store.db
          .selectFrom('audit_log')
          .select('action')
          .where('binding_name', '=', 'acme-eu')
          .where('action', '=', 'binding.create_rolled_back')
          .execute();
      await until(async () => (await rolledBack()).length >= 1, 'the rollback audited');
      const said = () =>
        slack
          .messages(OPS_CHANNEL)
          .filter((m) => JSON.stringify(m).includes('acme-eu') && JSON.stringify(m).includes('rolled it back'));
      await until(() => said().length >= 1, 'the recovery announced');
      const recovered = replicas
        .slice(0, 2)
        .filter((r) => r.stdout().includes('recovered an interrupted binding change'));
      expect(recovered).toHaveLength(1);
      expect(said()).toHaveLength(1);
      expect(await rolledBack()).toHaveLength(1);
    } finally {
      livekit.setLatency(0);
      await store.close();
    }
  }, 120_000);
});

/** Three more replicas whose summary fires once, a little after they start. */
(postgresCasesRun() ? describe : describe.skip)('the elected replica killed at the summary fire time', () => {
  let slack: SlackStandIn;
  let livekit: LiveKitEmulator;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let replicas: Child[] = [];
  let bases: string[] = [];

  beforeAll(async () => {
    slack = await SlackStandIn.start();
    livekit = await LiveKitEmulator.start();
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sip-ops-replicas-'));
    // Ran today already: no make-up; the next run is the cron's.
    const seed = await openStore(db.url);
    await createRepos(seed).meta.set(META_LAST_SCHEDULED, new Date().toISOString());
    await seed.close();
    // Fires once, two minutes from now (UTC), after the replicas are up.
    const fire = new Date(Date.now() + 2 * 60_000);
    const env = harnessEnv(livekit, slack, dir, {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      SUMMARY_CRON: `${fire.getUTCMinutes()} ${fire.getUTCHours()} * * *`,
      SUMMARY_TZ: 'UTC',
      SUMMARY_LEASE_MS: '5000',
    });
    replicas = [0, 1, 2].map(() => startProcess(env));
    const ports = await Promise.all(replicas.map((r) => waitForPort(r)));
    bases = ports.map((p) => `http://127.0.0.1:${p}`);
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) r.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exit));
    await livekit?.stop();
    await slack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a survivor serves the fire time once the lease runs out: one summary', async () => {
    const created = await submitCreateForm(
      new SlackClient(bases[0]!, TEST_SIGNING_SECRET),
      plainBindingForm({ name: 'acme-us' }),
    );
    expect(JSON.stringify(created.body)).toContain('"response_action":"clear"');
    const store = await openStore(db.url);
    try {
      await until(async () => (await createRepos(store).bindings.get('acme-us')) !== undefined, 'the binding');
      // LiveKit holds its answers: the elected replica's run cannot finish before it is killed.
      const release = livekit.holdAnswers();
      const serves = (r: Child) => r.stdout().includes('health: this replica serves the scheduled run');
      await until(() => replicas.some(serves), 'a replica elected at the fire time', 240_000);
      const elected = replicas.findIndex(serves);
      replicas[elected]!.kill('SIGKILL');
      await replicas[elected]!.exit;
      release();
      const summaries = () => slack.topLevel(OPS_CHANNEL).filter((m) => JSON.stringify(m).includes('SIP health'));
      await until(() => summaries().length >= 1, 'the summary posted by a survivor', 120_000);
      await until(async () => {
        const row = await store.db
          .selectFrom('coordination_leases')
          .select('done')
          .where('key', 'like', 'slot:summary:2%')
          .executeTakeFirst();
        return row?.done === 1;
      }, 'the slot marked served');
      const survivors = replicas.filter((_, i) => i !== elected);
      expect(survivors.filter(serves)).toHaveLength(1);
      expect(summaries()).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 400_000);
});
