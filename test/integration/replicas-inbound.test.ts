import { createRepos, openStore } from '../../src/store';
import { TEST_SIGNING_SECRET } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { postgresCasesRun } from '../support/postgres';
import { startReplicaSet, until, type ReplicaSet } from '../support/replica-set';
import { SlackClient } from '../support/slack-request';
import { WebhookBalancer } from '../support/webhook-balancer';

// Calls spread over five bindings (five report channels), so Slack's per-channel pace is not the whole test.
const BINDINGS = [0, 1, 2, 3, 4].map((i) => ({
  name: `rr-${i}`,
  did: `+1415555020${i}`,
  channel: `CRROBIN0${i}`,
}));

jest.setTimeout(600_000);

/** Each call's webhooks go round-robin to three replicas: per-call order and exactly-once across replicas. */
(postgresCasesRun() ? describe : describe.skip)('inbound calls across three replicas', () => {
  let set: ReplicaSet;
  let balancer: WebhookBalancer;

  beforeAll(async () => {
    set = await startReplicaSet(3, {});
    const client = new SlackClient(set.bases[0]!, TEST_SIGNING_SECRET);
    for (const b of BINDINGS) {
      const r = await submitCreateForm(
        client,
        plainBindingForm({
          name: b.name,
          trunkDomain: `${b.name}.pstn.sinch.com`,
          dids: b.did,
          callerId: b.did,
          agentName: 'rr-agent',
          reportChannel: b.channel,
        }),
      );
      expect(JSON.stringify(r.body)).toContain('"response_action":"clear"');
    }
    const store = await openStore(set.db.url);
    try {
      await until(async () => (await createRepos(store).bindings.count()) === BINDINGS.length, 'the bindings');
    } finally {
      await store.close();
    }
    balancer = await WebhookBalancer.start(() => set.bases, 'round-robin');
    set.livekit.setWebhookUrl(balancer.url);
  }, 300_000);

  afterAll(async () => {
    await balancer?.stop();
    await set?.stop();
  });

  /** The warning and error lines the replicas logged (for a failure's message). */
  const replicaWarnings = () =>
    set.replicas
      .map((r, i) =>
        r
          .stdout()
          .split('\n')
          .filter((l) => /"level":(40|50)/.test(l))
          .map((l) => `replica ${i}: ${l.slice(0, 400)}`)
          .join('\n'),
      )
      .join('\n');

  /** Runs `count` calls (caller numbers from `first`) and checks each has one complete thread, in order. */
  async function burst(first: number, count: number, midway?: () => void): Promise<void> {
    const calls = Array.from({ length: count }, (_, i) => ({
      from: `+1555020${String(first + i).padStart(4, '0')}`,
      binding: BINDINGS[i % BINDINGS.length]!,
    }));
    const results = Promise.all(
      calls.map((c, i) =>
        set.livekit.simulateInboundCall({
          from: c.from,
          to: c.binding.did,
          agent: { joinAfterMs: 5 + (i % 7) },
          durationMs: 40 + (i % 11) * 5,
        }),
      ),
    );
    midway?.();
    expect((await results).filter((r) => r.routed)).toHaveLength(count);
    await set.livekit.flushWebhooks();
    const threadOf = (c: (typeof calls)[number]) => {
      const parents = set.slack.topLevel(c.binding.channel).filter((p) => p.text.includes(`from ${c.from} `));
      return parents.map((p) => ({
        parent: p.text,
        replies: set.slack
          .thread(c.binding.channel, p.ts)
          .replies.map((r) => r.text)
          .join('\n'),
      }));
    };
    await until(
      () =>
        calls.every((c) => threadOf(c).some((t) => t.replies.includes('Hung up after') && t.parent.includes('Ended'))),
      'every call reported',
      400_000,
    );
    for (const c of calls) {
      const threads = threadOf(c);
      expect(threads).toHaveLength(1); // one thread per call
      const { parent, replies } = threads[0]!;
      expect(parent).toContain('Ended');
      // Each milestone once, in the order the events happened.
      expect(replies.match(/SIP participant/g)).toHaveLength(1);
      expect(replies.match(/Agent `rr-agent`/g)).toHaveLength(1);
      expect(replies.match(/Hung up after/g)).toHaveLength(1);
      const order = ['SIP participant', 'Agent `rr-agent`', 'Hung up after'].map((m) => replies.indexOf(m));
      if (!(order[0]! < order[1]! && order[1]! < order[2]!))
        throw new Error(
          `call from ${c.from}: replies out of order:\n${replies}\n--- replica warnings:\n${replicaWarnings()}`,
        );
    }
    const store = await openStore(set.db.url);
    try {
      const records = await store.db
        .selectFrom('call_records')
        .select(['caller', 'ended_at'])
        .where('direction', '=', 'inbound')
        .execute();
      for (const c of calls) {
        const mine = records.filter((r) => r.caller === c.from);
        expect(mine).toHaveLength(1); // one record per call
        expect(mine[0]!.ended_at).not.toBeNull();
      }
    } finally {
      await store.close();
    }
  }

  it('50 calls whose events land on different replicas: 50 threads, each in order, nothing doubled', async () => {
    await burst(0, 50);
    // Each call's events were spread: every replica took webhooks.
    expect(new Set(balancer.deliveries.map((d) => d.replica)).size).toBe(3);
  });

  it('a replica SIGKILLed mid-burst: its webhooks go to the survivors, nothing lost or doubled', async () => {
    const before = balancer.deliveries.length;
    await burst(100, 30, () => {
      // Killed once it has taken some of this burst's webhooks.
      void until(
        () => balancer.deliveries.slice(before).filter((d) => d.replica === 2).length >= 10,
        'replica 2 busy',
      ).then(() => set.replicas[2]!.kill('SIGKILL'));
    });
    expect(balancer.down.has(2)).toBe(true);
  });
});
