/**
 * The service process is killed (SIGKILL) after Slack took a call's thread parent but before the
 * service learnt (and stored) its ts. The restart replays the call's webhooks: it must find that
 * parent in the channel (by its message metadata) and carry on in it, not post a second one that
 * leaves the first "In progress" for ever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inboundFeature } from '../../src/features/inbound';
import { startService } from '../../src/main';
import { WebhookEventsRepo } from '../../src/store/webhook-events-repo';
import { eventually, harnessEnv } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { LiveKitEmulator } from '../support/livekit-emulator';
import type { WebhookEventJson } from '../support/livekit-emulator/types';
import { postWebhook } from '../support/livekit-webhook';
import { startProcess, waitForPort } from '../support/service-process';
import { SlackStandIn } from '../support/slack-standin';

// A child process, a kill and a restart are slow on a busy machine; the waits are for conditions, this is a safety net.
jest.setTimeout(180_000);

const REPORT = 'CPARENT01';
const FROM = '+15550401234';

it('SIGKILL between Slack taking the parent and its ts being stored: one parent after the restart, in the final state', async () => {
  const slack = await SlackStandIn.start();
  const livekit = await LiveKitEmulator.start();
  const dir = mkdtempSync(join(tmpdir(), 'sip-ops-parent-kill-'));
  const env = harnessEnv(livekit, slack, dir);
  const quiet = { pretty: false, slackRetry: { retries: 0 }, drainMs: 2000 } as const;
  try {
    const seeding = await startService(env, quiet);
    const binding = await seedBinding(seeding.deps, { name: 'parent-kill', reportChannel: REPORT });
    await seeding.shutdown('test');
    const r = await livekit.simulateInboundCall({ from: FROM, to: binding.dids[0]!, durationMs: 5 });
    if (!r.routed) throw new Error(`not routed: ${r.reason}`);
    const events: WebhookEventJson[] = r.events;
    await livekit.flushWebhooks();

    // Slack takes the parent but answers only after the process is dead: the ts never reaches it.
    let dead!: () => void;
    const killed = new Promise<void>((resolve) => (dead = resolve));
    slack.script(
      'chat.postMessage',
      (args) => (args.channel === REPORT && !args.thread_ts ? { until: killed, then: { ok: true } } : undefined),
      1,
    );
    const child = startProcess({ ...env, LOG_LEVEL: 'info' });
    try {
      const url = `http://127.0.0.1:${await waitForPort(child)}/livekit/webhook`;
      for (const ev of events) {
        const res = await postWebhook(url, ev, livekit.apiKey, livekit.apiSecret);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      await slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === REPORT, 120_000);
      child.kill('SIGKILL');
      await child.exit;
    } finally {
      child.kill('SIGKILL');
      dead();
    }
    await eventually(async () => slack.topLevel(REPORT).length === 1 || undefined, 20_000, 'Slack took the parent');
    expect(slack.topLevel(REPORT)[0]!.text).toContain('In progress');

    const restarted = await startService(env, {
      ...quiet,
      features: (deps) => [inboundFeature(deps, { paceIntervalMs: 10 })],
    });
    try {
      // livekit-server delivers again what it has no answer for (here: all of it, as after a lost answer).
      const url = `http://127.0.0.1:${restarted.port}/livekit/webhook`;
      for (const ev of events) {
        const res = await postWebhook(url, ev, livekit.apiKey, livekit.apiSecret);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      await eventually(
        async () => (await new WebhookEventsRepo(restarted.deps.store.db).unprocessed()).length === 0,
        120_000,
        'every event processed',
      );
      await eventually(async () => restarted.deps.inflight.size === 0, 120_000, 'Slack delivery');
      const parents = slack.topLevel(REPORT);
      expect(parents).toHaveLength(1);
      const parent = parents[0]!;
      expect(parent.metadata).toEqual({ event_type: 'sipops_call', event_payload: { call: expect.any(String) } });
      expect(parent.text).toMatch(/Ended/);
      const { replies } = slack.thread(REPORT, parent.ts);
      expect(replies.map((m) => m.text).join('\n')).toMatch(/Hung up after/);
      const rec = (await restarted.deps.repos.calls.listSince(new Date(0).toISOString())).find(
        (c) => c.direction === 'inbound',
      );
      expect(rec).toMatchObject({ slackChannel: REPORT, slackTs: parent.ts });
      expect(rec?.endedAt).toBeTruthy();
    } finally {
      await restarted.shutdown('test');
    }
  } finally {
    await livekit.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
