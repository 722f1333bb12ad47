/**
 * The service process is killed (SIGKILL) in the middle of a burst of LiveKit webhooks. Every event
 * it answered 200 to was stored first and is processed after the restart; the ones it never
 * answered are delivered again (as livekit-server retries). In the end every call is reported once
 * and recorded as ended: nothing lost, nothing twice.
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
jest.setTimeout(300_000);

const REPORT = 'CBURST001';
const CALLS = 30;
const caller = (i: number) => `+1555010${String(i).padStart(4, '0')}`;

it('SIGKILL during a webhook burst: after the restart every call is reported once and recorded as ended', async () => {
  const slack = await SlackStandIn.start();
  const livekit = await LiveKitEmulator.start();
  const dir = mkdtempSync(join(tmpdir(), 'sip-ops-burst-kill-'));
  const env = harnessEnv(livekit, slack, dir);
  const quiet = { pretty: false, slackRetry: { retries: 0 }, drainMs: 2000 } as const;
  try {
    // A binding, and the webhooks of CALLS short inbound calls to it (captured, delivered by hand).
    const seeding = await startService(env, quiet);
    const binding = await seedBinding(seeding.deps, { name: 'burst', reportChannel: REPORT });
    await seeding.shutdown('test');
    const events: WebhookEventJson[] = [];
    for (let i = 0; i < CALLS; i++) {
      const r = await livekit.simulateInboundCall({ from: caller(i), to: binding.dids[0]!, durationMs: 5 });
      if (!r.routed) throw new Error(`call ${i} not routed: ${r.reason}`);
      events.push(...r.events);
    }
    await livekit.flushWebhooks();

    const child = startProcess({ ...env, LOG_LEVEL: 'info' });
    const acked = new Set<string>();
    try {
      const url = `http://127.0.0.1:${await waitForPort(child)}/livekit/webhook`;
      let next = 0;
      let killed: Promise<unknown> | undefined;
      const worker = async () => {
        while (next < events.length) {
          if (killed) await killed; // the rest goes to a dead process: livekit-server retries it later
          const ev = events[next++]!;
          try {
            const res = await postWebhook(url, ev, livekit.apiKey, livekit.apiSecret);
            if (res.status === 200) acked.add(ev.id);
            await res.arrayBuffer();
          } catch {
            // no answer: not delivered
          }
          if (!killed && acked.size >= events.length / 3) {
            child.kill('SIGKILL');
            killed = child.exit;
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      await child.exit;
    } finally {
      child.kill('SIGKILL');
    }
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(events.length);

    const restarted = await startService(env, {
      ...quiet,
      features: (deps) => [inboundFeature(deps, { paceIntervalMs: 10 })],
    });
    try {
      const url = `http://127.0.0.1:${restarted.port}/livekit/webhook`;
      // livekit-server delivers again what was not answered; a few answered ones come twice too.
      const again = events.filter((e) => !acked.has(e.id) || Math.random() < 0.2);
      for (const ev of again) {
        const res = await postWebhook(url, ev, livekit.apiKey, livekit.apiSecret);
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      const ended = await eventually(
        async () => {
          const recs = (await restarted.deps.repos.calls.listSince(new Date(0).toISOString())).filter(
            (c) => c.direction === 'inbound' && c.endedAt,
          );
          return recs.length === CALLS ? recs : undefined;
        },
        120_000,
        'every call recorded as ended',
      );
      expect(new Set(ended.map((c) => c.caller))).toEqual(new Set(Array.from({ length: CALLS }, (_, i) => caller(i))));
      await eventually(async () => restarted.deps.inflight.size === 0, 120_000, 'Slack delivery');
      const parents = slack.topLevel(REPORT);
      for (let i = 0; i < CALLS; i++) {
        const mine = parents.filter((m) => m.versions[0]!.text.includes(caller(i)) || m.text.includes(caller(i)));
        expect(mine.length).toBeLessThanOrEqual(1);
      }
      // Threads show the final state, also those begun before the kill.
      for (const m of parents.filter((p) => /Inbound call from/.test(p.text))) expect(m.text).toMatch(/Ended/);
      // Each call is reported: in its own thread or folded into a noise note that names it.
      const all = parents.map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`).join('\n');
      for (let i = 0; i < CALLS; i++) expect(all).toContain(caller(i).slice(-4));
      await eventually(
        async () => (await new WebhookEventsRepo(restarted.deps.store.db).unprocessed()).length === 0,
        120_000,
        'every event marked processed',
      );
    } finally {
      await restarted.shutdown('test');
    }
  } finally {
    await livekit.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
