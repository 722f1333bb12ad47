import { AccessToken } from 'livekit-server-sdk';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inboundFeature, type InboundOptions } from '../../src/features/inbound';
import { eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { chatCalls, settled, threadText } from '../support/inbound-slack';
import type { WebhookEventJson } from '../support/livekit-emulator/types';
import { postWebhook } from '../support/livekit-webhook';

const REPORT = 'CREPORT01';

function start(opts: InboundOptions = {}, extra: { dataDir?: string } = {}): Promise<Harness> {
  return startHarness({ features: (deps) => [inboundFeature(deps, { paceIntervalMs: 20, ...opts })], ...extra });
}

describe('inbound call reporting', () => {
  describe('a typical call with an agent', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await start({ paceIntervalMs: 400 });
    });
    afterAll(async () => {
      await h.stop();
    });

    it('yields one parent message, its thread and a call record in ≤ 3 Slack calls', async () => {
      const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: REPORT });
      const callStarted = Date.now();
      const result = await h.livekit.simulateInboundCall({
        from: '+15550100',
        to: binding.dids[0]!,
        agent: { joinAfterMs: 30 },
        durationMs: 120,
      });
      // The call as the test saw it (however slow the machine): its recorded duration lies within.
      const callSpan = Date.now() - callStarted;
      expect(result.routed).toBe(true);
      if (!result.routed) return;
      expect(result.events.map((e) => e.event)).toEqual([
        'room_started',
        'participant_joined',
        'participant_joined',
        'participant_left',
        'participant_left',
        'room_finished',
      ]);
      await settled(h, 1000);

      const parents = h.slack.topLevel(REPORT);
      expect(parents).toHaveLength(1);
      const parent = parents[0]!;
      const { replies } = h.slack.thread(REPORT, parent.ts);
      const text = threadText(h, parent);
      expect(parent.text).toContain('Inbound call from +15550100 to DID ' + binding.dids[0]);
      expect(text).toContain('Ended');
      expect(text).toContain('agent `inbound-agent` joined after');
      expect(text).toContain('the caller hung up');
      const replyText = replies.map((r) => r.text).join('\n');
      expect(replyText).toContain('SIP participant `sip_+15550100` joined room');
      expect(replyText).toMatch(/Agent `inbound-agent` \(`agent-AJ_\w+`\) joined after/);
      expect(replyText).toMatch(/Hung up after \d+\.\d s: the caller hung up \(`CLIENT_INITIATED`\)/);
      expect(replyText).not.toContain('No agent joined within');

      const calls = chatCalls(h, REPORT);
      expect(calls.length).toBeLessThanOrEqual(3);

      const record = await eventually(async () => {
        const r = await h.deps.repos.calls.findByRoom(result.roomName, 'inbound');
        return r?.slackTs && r.endedAt ? r : undefined;
      });
      expect(record).toMatchObject({
        direction: 'inbound',
        bindingName: binding.name,
        caller: '+15550100',
        callee: binding.dids[0],
        agentJoined: true,
        outcome: 'completed',
        endReason: 'CLIENT_INITIATED',
        slackChannel: REPORT,
        slackTs: parent.ts,
      });
      expect(record.durationMs).toBeGreaterThanOrEqual(100);
      expect(record.durationMs).toBeLessThanOrEqual(callSpan);
      expect(record.setupMs).toBeGreaterThanOrEqual(0);
    });

    // livekit/sip pkg/sip/inbound.go + livekit/livekit pkg/rtc/signalling/signalhandler.go (emulated).
    it('a dropped call (no hangup status) is not reported as "the caller hung up": unclear end with RTP checks', async () => {
      const binding = await seedBinding(h.deps, {
        name: 'dropped',
        dids: ['+14155550177'],
        agentName: 'inbound-agent',
        reportChannel: REPORT,
      });
      const result = await h.livekit.simulateInboundCall({
        from: '+15550177',
        to: binding.dids[0]!,
        agent: { joinAfterMs: 30 },
        durationMs: 120,
        hangupReason: 'dropped',
      });
      if (!result.routed) throw new Error(result.reason);
      await settled(h, 1000);
      const parent = h.slack.topLevel(REPORT).find((m) => m.text.includes('+15550177'))!;
      const text = threadText(h, parent);
      expect(text).toContain('ended without a clear reason');
      expect(text).toContain('UDP 10000-20000');
      expect(text).not.toContain('the caller hung up');
    });
  });

  describe('webhook delivery: replays, reordering, forgeries, restarts', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await start({ paceIntervalMs: 20 });
    });
    afterAll(async () => {
      await h.stop();
    });

    const url = () => `${h.base}/livekit/webhook`;
    const post = async (ev: WebhookEventJson) => {
      const res = await postWebhook(url(), ev, h.livekit.apiKey, h.livekit.apiSecret);
      return { status: res.status, body: (await res.json()) as { result?: string } };
    };

    /** Simulates a call with webhooks switched off and returns its events, to deliver by hand. */
    async function capture(
      call: Parameters<Harness['livekit']['simulateInboundCall']>[0],
    ): Promise<{ room: string; events: WebhookEventJson[] }> {
      h.livekit.setWebhookUrl(undefined);
      try {
        const r = await h.livekit.simulateInboundCall(call);
        if (!r.routed) throw new Error(`not routed: ${r.reason}`);
        return { room: r.roomName, events: r.events };
      } finally {
        h.livekit.setWebhookUrl(url());
      }
    }

    it('answers a replayed event as a duplicate and reports nothing twice', async () => {
      const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CREPLAY01' });
      const r = await h.livekit.simulateInboundCall({
        from: '+15550111',
        to: binding.dids[0]!,
        agent: { joinAfterMs: 10 },
        durationMs: 50,
      });
      if (!r.routed) throw new Error('not routed');
      await settled(h, 300);
      const before = chatCalls(h, 'CREPLAY01').length;
      for (const ev of [...r.events, ...[...r.events].reverse()]) {
        const res = await post(ev);
        expect(res).toEqual({ status: 200, body: { ok: true, result: 'duplicate' } });
      }
      await settled(h, 300);
      expect(chatCalls(h, 'CREPLAY01')).toHaveLength(before);
      expect(h.slack.topLevel('CREPLAY01')).toHaveLength(1);
    });

    it('gives the right final state for events delivered in reverse order', async () => {
      const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CREORDER1' });
      const captureStarted = Date.now();
      const { room, events } = await capture({
        from: '+15550122',
        to: binding.dids[0]!,
        agent: { joinAfterMs: 20 },
        durationMs: 300,
      });
      const callSpan = Date.now() - captureStarted;
      for (const ev of [...events].reverse()) expect((await post(ev)).body.result).toBe('accepted');
      await settled(h, 300);
      const parents = h.slack.topLevel('CREORDER1');
      expect(parents).toHaveLength(1);
      const text = threadText(h, parents[0]!);
      expect(text).toContain('Ended');
      expect(text).toContain('agent `inbound-agent` joined after');
      expect(text).toContain('the caller hung up');
      const { replies } = h.slack.thread('CREORDER1', parents[0]!.ts);
      const all = replies.map((m) => m.text).join('\n');
      expect(all.match(/SIP participant/g)).toHaveLength(1);
      expect(all.match(/Agent /g)).toHaveLength(1);
      expect(all.match(/Hung up after/g)).toHaveLength(1);
      expect(all).not.toContain('No agent joined');
      const rec = await h.deps.repos.calls.findByRoom(room, 'inbound');
      expect(rec).toMatchObject({
        outcome: 'completed',
        agentJoined: true,
        endReason: 'CLIENT_INITIATED',
        caller: '+15550122',
      });
      // Webhook times have whole seconds; a late delivery is placed within the event's second, so the
      // duration is at most the call as the test saw it plus that second.
      expect(rec!.durationMs).toBeGreaterThanOrEqual(250);
      expect(rec!.durationMs).toBeLessThan(callSpan + 1000);
    });

    it('gives the same result for a shuffled delivery with duplicates', async () => {
      const binding = await seedBinding(h.deps, { reportChannel: 'CSHUFFLE1' });
      const { events } = await capture({ from: '+15550133', to: binding.dids[0]!, agent: 'none', durationMs: 1200 });
      expect(events.map((e) => e.event)).toEqual([
        'room_started',
        'participant_joined',
        'participant_left',
        'room_finished',
      ]);
      const [started, joined, left, finished] = events as [
        WebhookEventJson,
        WebhookEventJson,
        WebhookEventJson,
        WebhookEventJson,
      ];
      const shuffled = [finished, joined, left, joined, started, finished, left];
      const results = [];
      for (const ev of shuffled) results.push((await post(ev)).body.result);
      expect(results).toEqual(['accepted', 'accepted', 'accepted', 'duplicate', 'accepted', 'duplicate', 'duplicate']);
      await settled(h, 300);
      const parents = h.slack.topLevel('CSHUFFLE1');
      expect(parents).toHaveLength(1);
      expect(parents[0]!.text).toMatch(/Ended · 1\.\d s · the caller hung up/);
    });

    it('rejects forged webhooks with 401 and reports nothing', async () => {
      const binding = await seedBinding(h.deps, { reportChannel: 'CFORGED01' });
      const { events } = await capture({ from: '+15550144', to: binding.dids[0]!, agent: 'none', durationMs: 50 });
      for (const ev of events) {
        const wrongSecret = await postWebhook(url(), ev, h.livekit.apiKey, 'not-the-secret-not-the-secret-not-the');
        expect(wrongSecret.status).toBe(401);
        const body = JSON.stringify(ev);
        const at = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret);
        at.sha256 = createHash('sha256').update(body).digest('base64');
        const tampered = await fetch(url(), {
          method: 'POST',
          headers: { authorization: await at.toJwt(), 'content-type': 'application/webhook+json' },
          body: body.replace('+15550144', '+15550999'),
        });
        expect(tampered.status).toBe(401);
      }
      await settled(h, 300);
      expect(h.slack.messages('CFORGED01')).toHaveLength(0);
      // The genuine events are still new: the forged ones were not recorded as seen.
      for (const ev of events) expect((await post(ev)).body.result).toBe('accepted');
      await settled(h, 300);
      expect(h.slack.topLevel('CFORGED01')).toHaveLength(1);
    });
  });

  describe('across a restart', () => {
    it('posts again, after a restart, the thread replies Slack had not taken when the service stopped', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sip-ops-inbound-'));
      try {
        const h1 = await start({ paceIntervalMs: 20 }, { dataDir });
        let parentTs: string;
        try {
          const binding = await seedBinding(h1.deps, { agentName: 'inbound-agent', reportChannel: REPORT });
          // Thread replies hang in Slack past the shutdown's drain time (5 s), then the connection drops.
          h1.slack.script('chat.postMessage', (args) =>
            args.thread_ts ? { delayMs: 7000, then: { hangUp: true } } : undefined,
          );
          await h1.livekit.simulateInboundCall({
            from: '+15550166',
            to: binding.dids[0]!,
            agent: { joinAfterMs: 10 },
            durationMs: 50,
          });
          await h1.livekit.flushWebhooks();
          const reply = await eventually(
            async () => h1.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts),
            5000,
            'the reply on its way',
          );
          parentTs = String(reply.args.thread_ts);
          expect(h1.slack.thread(REPORT, parentTs).replies).toHaveLength(0);
        } finally {
          await h1.stop();
        }
        const h2 = await start({ paceIntervalMs: 20 }, { dataDir });
        try {
          // The events it had not finished are replayed at start; the thread is carried on.
          const posted = await eventually(
            async () => h2.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Hung up after')),
            10_000,
            'the reply posted again',
          );
          expect(posted.args.thread_ts).toBe(parentTs);
          expect(String(posted.args.text)).toContain('SIP participant `sip_+15550166` joined');
          await settled(h2, 300);
          expect(h2.slack.callsTo('chat.postMessage').every((c) => c.args.thread_ts === parentTs)).toBe(true);
          // Stored as posted once Slack took it.
          const stored = await eventually(
            async () => {
              const rec = (await h2.deps.repos.calls.listSince(new Date(0).toISOString())).find(
                (c) => c.caller === '+15550166',
              );
              const replied = (rec?.detail as { replied?: string[] } | null | undefined)?.replied ?? [];
              return replied.includes('ended') ? replied : undefined;
            },
            5000,
            'the reply stored as posted',
          );
          expect(stored).toEqual(expect.arrayContaining(['started', 'ended']));
        } finally {
          await h2.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('still knows the events it saw and carries on the open thread', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sip-ops-inbound-'));
      try {
        const h1 = await start({ paceIntervalMs: 20 }, { dataDir });
        let events: WebhookEventJson[];
        let parentTs: string;
        try {
          const binding = await seedBinding(h1.deps, { agentName: 'inbound-agent', reportChannel: REPORT });
          h1.livekit.setWebhookUrl(undefined);
          const r = await h1.livekit.simulateInboundCall({
            from: '+15550155',
            to: binding.dids[0]!,
            agent: { joinAfterMs: 10 },
            durationMs: 50,
          });
          h1.livekit.setWebhookUrl(`${h1.base}/livekit/webhook`);
          if (!r.routed) throw new Error('not routed');
          events = r.events;
          // Only the start of the call arrives before the restart.
          for (const ev of events.slice(0, 3))
            await postWebhook(`${h1.base}/livekit/webhook`, ev, h1.livekit.apiKey, h1.livekit.apiSecret);
          await settled(h1, 300);
          const parents = h1.slack.topLevel(REPORT);
          expect(parents).toHaveLength(1);
          parentTs = parents[0]!.ts;
        } finally {
          await h1.stop();
        }
        const h2 = await start({ paceIntervalMs: 20 }, { dataDir });
        try {
          const results: Array<string | undefined> = [];
          for (const ev of events) {
            const res = await postWebhook(`${h2.base}/livekit/webhook`, ev, h2.livekit.apiKey, h2.livekit.apiSecret);
            results.push(((await res.json()) as { result?: string }).result);
          }
          expect(results).toEqual(['duplicate', 'duplicate', 'duplicate', 'accepted', 'accepted', 'accepted']);
          await settled(h2, 300);
          // No new parent: the hang-up goes into the old thread and the old parent is updated.
          const posts = h2.slack.callsTo('chat.postMessage');
          expect(posts.length).toBeGreaterThan(0);
          for (const p of posts) expect(p.args.thread_ts).toBe(parentTs);
          expect(posts.map((p) => String(p.args.text)).join('\n')).toContain('Hung up after');
          const updates = h2.slack.callsTo('chat.update');
          expect(updates.map((u) => u.args.ts)).toContain(parentTs);
          expect(String(updates.at(-1)!.args.text)).toContain('Ended');
        } finally {
          await h2.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
