import { inboundFeature } from '../../src/features/inbound';
import { eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';

const CHANNEL = 'CBURST001';
const INTERVAL = 20;
const CALLS = 200;

// 200 calls take long on a busy machine; every wait below is for a condition, this is only a safety net.
jest.setTimeout(600_000);

describe('inbound calls: a burst of 200 calls to one channel', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ features: (deps) => [inboundFeature(deps, { paceIntervalMs: INTERVAL })] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('loses nothing, stays within the pace, and rides out 429s', async () => {
    const binding = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: CHANNEL });
    // Slack is slow while the burst arrives: the first post is answered only once every call of the
    // burst was processed (however long a busy machine takes), so what queued up is what coalesces.
    // Then Slack answers 429 (Retry-After: 1 s) to the first three posts.
    let burstProcessed = (): void => undefined;
    const slackHeld = new Promise<void>((resolve) => (burstProcessed = resolve));
    h.slack.script('chat.postMessage', { until: slackHeld, then: { status: 429, retryAfter: 1 } }, 1);
    h.slack.script('chat.postMessage', { status: 429, retryAfter: 1 }, 2);

    const results = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        h.livekit.simulateInboundCall({
          from: `+1555${String(1_000_000 + i).slice(1)}`,
          to: binding.dids[0]!,
          agent: { joinAfterMs: 5 + (i % 7) },
          durationMs: 30 + (i % 11) * 5,
        }),
      ),
    );
    const rooms = results.map((r) => (r.routed ? r.roomName : ''));
    expect(rooms.filter(Boolean)).toHaveLength(CALLS);
    await h.livekit.flushWebhooks();
    const ended = async () =>
      (
        await h.deps.repos.calls.listSince('1970-01-01T00:00:00.000Z', {
          direction: 'inbound',
          bindingName: binding.name,
        })
      ).filter((r) => r.endedAt);
    await eventually(async () => (await ended()).length === CALLS, 300_000, 'every call recorded as ended');
    burstProcessed();

    // Every call ends up with its final parent and a hang-up reply.
    await eventually(
      () => {
        const parents = h.slack.topLevel(CHANNEL);
        if (parents.length < CALLS) return false;
        return parents.every(
          (p) =>
            p.text.includes('Ended') &&
            h.slack.thread(CHANNEL, p.ts).replies.some((r) => r.text.includes('Hung up after')),
        );
      },
      300_000,
      'all 200 threads to be complete',
    );

    const parents = h.slack.topLevel(CHANNEL);
    expect(parents).toHaveLength(CALLS);
    const callers = parents.map((p) => p.text.match(/from (\+\d+)/)![1]);
    expect(new Set(callers).size).toBe(CALLS);
    for (const p of parents) {
      const replies = h.slack
        .thread(CHANNEL, p.ts)
        .replies.map((r) => r.text)
        .join('\n');
      expect(replies.match(/SIP participant/g)).toHaveLength(1);
      expect(replies.match(/Agent `inbound-agent`/g)).toHaveLength(1);
      expect(replies.match(/Hung up after/g)).toHaveLength(1);
      expect(p.text).toContain('agent `inbound-agent` joined after');
    }

    const calls = h.slack.calls.filter(
      (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === CHANNEL,
    );
    // The three 429s were retried: each reached Slack once more, and nothing was posted twice.
    const posted = h.slack.messages(CHANNEL);
    expect(calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(posted.length + 3);
    expect(new Set(posted.map((m) => m.ts)).size).toBe(posted.length);

    // Pacing: calls start ≥ INTERVAL apart and one at a time, and a call arrives after it started and
    // before the next one starts. So calls i+1 … i+10 start within arrivals i … i+10: any 11 consecutive
    // arrivals span ≥ 9 intervals, however late each arrival is (a timer may fire 1 ms early).
    const at = calls.map((c) => c.at).sort((a, b) => a - b);
    for (let i = 0; i + 10 < at.length; i++) expect(at[i + 10]! - at[i]!).toBeGreaterThanOrEqual(9 * INTERVAL - 2);
    // The 429 pause (Retry-After: 1 s) was honoured.
    const firstOk = calls.findIndex((c, i) => i >= 3 && c.method === 'chat.postMessage');
    expect(calls[firstOk]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2900);
    // Coalescing: fewer than 3 Slack calls per call on average.
    expect(calls.length).toBeLessThanOrEqual(3 * CALLS + 3);

    const records = await h.deps.repos.calls.listSince('1970-01-01T00:00:00.000Z', {
      direction: 'inbound',
      bindingName: binding.name,
    });
    expect(records).toHaveLength(CALLS);
    expect(records.every((r) => r.outcome === 'completed' && r.agentJoined && r.slackTs)).toBe(true);
  });
});
