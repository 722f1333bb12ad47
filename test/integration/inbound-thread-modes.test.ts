/**
 * How an inbound call's thread fills, for a call that lasts well beyond the pacing interval:
 * compact (the default: the parent is live, the timeline is one reply at hang-up, 3 Slack calls)
 * and live (each milestone as it happens, 4 calls).
 */
import { inboundFeature, type InboundOptions } from '../../src/features/inbound';
import { eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { chatCalls, settled } from '../support/inbound-slack';
import type { InboundCall } from '../support/livekit-emulator/types';

/** Starts a call and returns its completion; the caller can look at Slack while it lasts. */
function dial(h: Harness, c: InboundCall): Promise<string> {
  return h.livekit.simulateInboundCall(c).then((r) => {
    if (!r.routed) throw new Error(`not routed: ${r.reason}`);
    return r.roomName;
  });
}

const parentOf = async (h: Harness, channel: string) =>
  eventually(async () => h.slack.topLevel(channel)[0], 10_000, 'the parent message');

const OPTS: InboundOptions = { paceIntervalMs: 200, openingWindowMs: 1500, agentTimeoutMs: 8000 };

describe('inbound threads, compact (default): the parent waits for the agent', () => {
  let h: Harness;
  beforeAll(async () => {
    // The opening window outlasts the call: the agent joining (not a timer racing a busy machine) releases the post.
    h = await startHarness({ features: (deps) => [inboundFeature(deps, { ...OPTS, openingWindowMs: 60_000 })] });
    expect(h.deps.config.inboundThread).toBe('compact');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts the parent with the agent already in it, keeps it live, and puts the timeline in one reply at hang-up: 3 calls', async () => {
    const b = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CMODE0001' });
    const done = dial(h, { from: '+15550301', to: b.dids[0]!, agent: { joinAfterMs: 150 }, durationMs: 2500 });
    const parent = await parentOf(h, 'CMODE0001');
    // The post waited for the agent (within the opening window), so its first version says both.
    expect(parent.versions[0]!.text).toContain('Connected to agent `inbound-agent`');
    await done;
    await settled(h, 600);

    const calls = chatCalls(h, 'CMODE0001');
    expect(calls.map((c) => `${c.method}${c.args.thread_ts ? ' (reply)' : ''}`)).toEqual([
      'chat.postMessage',
      'chat.postMessage (reply)',
      'chat.update',
    ]);
    const { replies } = h.slack.thread('CMODE0001', parent.ts);
    expect(replies).toHaveLength(1);
    const lines = replies[0]!.text.split('\n');
    // One reply holding the whole timeline, hang-up included: nothing was posted in the thread before the hang-up.
    expect(lines[0]).toContain('SIP participant `sip_+15550301` joined room');
    expect(lines[1]).toMatch(/Agent `inbound-agent` \(`agent-AJ_\w+`\) joined after 0\.\d s/);
    // The emulator holds the call for 2.5 s of its own (real) time: a busy machine makes it longer, never shorter.
    const hungUp = /Hung up after (\d+\.\d) s: the caller hung up \(`CLIENT_INITIATED`\)/.exec(lines[2] ?? '');
    expect(hungUp).not.toBeNull();
    expect(Number(hungUp![1])).toBeGreaterThanOrEqual(2.5);
    expect(parent.versions.at(-1)!.text).toContain('Ended');
  });
});

describe('inbound threads, compact (default)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ features: (deps) => [inboundFeature(deps, OPTS)] });
    expect(h.deps.config.inboundThread).toBe('compact');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('does not hold the parent past the opening window when the agent is late; the agent shows as an update', async () => {
    const b = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CMODE0002' });
    const done = dial(h, { from: '+15550302', to: b.dids[0]!, agent: { joinAfterMs: 3000 }, durationMs: 1000 });
    const parent = await parentOf(h, 'CMODE0002');
    // Posted before the agent came: the window is over, the call goes on.
    expect(parent.versions[0]!.text).toContain('Ringing');
    await done;
    await settled(h, 600);
    expect(parent.versions.map((v) => v.text).join('\n')).toContain('Connected to agent `inbound-agent`');
    expect(parent.versions.at(-1)!.text).toContain('Ended');
    const { replies } = h.slack.thread('CMODE0002', parent.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('Agent `inbound-agent`');
    expect(replies[0]!.text).toContain('Hung up after');
  });
});

describe('inbound threads, compact: nothing to wait for', () => {
  let h: Harness;
  beforeAll(async () => {
    // A window longer than the call: a parent that waited would only appear at the hang-up.
    h = await startHarness({ features: (deps) => [inboundFeature(deps, { ...OPTS, openingWindowMs: 60_000 })] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts at once for bindings without an agent', async () => {
    const b = await seedBinding(h.deps, { reportChannel: 'CMODE0003' });
    let ended = false;
    const done = dial(h, { from: '+15550303', to: b.dids[0]!, agent: 'none', durationMs: 4000 }).finally(
      () => (ended = true),
    );
    const parent = await parentOf(h, 'CMODE0003');
    // Nothing to wait for: it is there while the call lasts, saying so.
    expect(ended).toBe(false);
    expect(parent.versions[0]!.text).toContain('In progress');
    await done;
    await settled(h, 600);
    expect(chatCalls(h, 'CMODE0003')).toHaveLength(3);
  });
});

describe('inbound threads, compact: the agent watchdog', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ features: (deps) => [inboundFeature(deps, { ...OPTS, agentTimeoutMs: 300 })] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts its warning while the call lasts, after the caller line', async () => {
    const b = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CMODE0004' });
    const done = dial(h, { from: '+15550304', to: b.dids[0]!, agent: 'none', durationMs: 2500 });
    const parent = await parentOf(h, 'CMODE0004');
    const warned = await eventually(async () => h.slack.thread('CMODE0004', parent.ts).replies[0], 5000, 'the warning');
    expect(warned.text).toMatch(
      /^📞 SIP participant `sip_\+15550304` joined[^\n]*\n⚠️ \*No agent joined within 0\.3 s\*/,
    );
    expect(h.slack.topLevel('CMODE0004')[0]!.text).toContain('No agent yet');
    await done;
    await settled(h, 600);
    const { replies } = h.slack.thread('CMODE0004', parent.ts);
    expect(replies).toHaveLength(2);
    expect(replies[1]!.text).toContain('Hung up after');
  });
});

describe('inbound threads, live (INBOUND_THREAD=live)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { INBOUND_THREAD: 'live' }, features: (deps) => [inboundFeature(deps, OPTS)] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts each milestone as it happens: 4 or more calls for a call longer than the pacing interval', async () => {
    expect(h.deps.config.inboundThread).toBe('live');
    const b = await seedBinding(h.deps, { agentName: 'inbound-agent', reportChannel: 'CMODE0005' });
    const done = dial(h, { from: '+15550305', to: b.dids[0]!, agent: { joinAfterMs: 150 }, durationMs: 2500 });
    const parent = await parentOf(h, 'CMODE0005');
    const during = await eventually(
      async () => {
        const r = h.slack
          .thread('CMODE0005', parent.ts)
          .replies.map((m) => m.text)
          .join('\n');
        return r.includes('Agent `inbound-agent`') ? r : undefined;
      },
      2000,
      'the live replies',
    );
    expect(during).toContain('SIP participant `sip_+15550305` joined room');
    expect(during).not.toContain('Hung up');
    await done;
    await settled(h, 600);
    // Parent, the opening reply, the hang-up reply and the final update at least; the agent joining
    // after the parent went out adds an update of its own.
    const calls = chatCalls(h, 'CMODE0005').map((c) => `${c.method}${c.args.thread_ts ? ' (reply)' : ''}`);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls[0]).toBe('chat.postMessage');
    // Each milestone is posted once: the agent's line rides on the opening reply when it joined before
    // that reply went out, else it is a reply of its own (on a busy machine).
    const replies = h.slack.thread('CMODE0005', parent.ts).replies.map((m) => m.text);
    expect(calls.filter((c) => c === 'chat.postMessage (reply)')).toHaveLength(replies.length);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    const all = replies.join('\n');
    for (const milestone of [
      /SIP participant `sip_\+15550305` joined room/g,
      /Agent `inbound-agent`/g,
      /Hung up after/g,
    ])
      expect(all.match(milestone)).toHaveLength(1);
    expect(calls.at(-1)).toBe('chat.update');
  });
});
