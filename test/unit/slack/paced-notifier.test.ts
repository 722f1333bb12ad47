import { PacedNotifier, type PostArgs, type SlackChat, type UpdateArgs } from '../../../src/slack/paced-notifier';
import { FakeClock } from '../../support/fake-clock';

type Call = { method: 'post' | 'update'; at: number; args: PostArgs | UpdateArgs };

/** A Slack stand-in at the SlackChat level; `fail` scripts the next answers. */
class FakeChat implements SlackChat {
  calls: Call[] = [];
  fail: unknown[] = [];
  private ts = 0;
  constructor(private readonly clock: FakeClock) {}

  async postMessage(args: PostArgs): Promise<{ ts?: string }> {
    this.calls.push({ method: 'post', at: this.clock.now(), args });
    const f = this.fail.shift();
    if (f) throw f;
    this.ts += 1;
    return { ts: `1700000000.${String(this.ts).padStart(6, '0')}` };
  }
  async update(args: UpdateArgs): Promise<unknown> {
    this.calls.push({ method: 'update', at: this.clock.now(), args });
    const f = this.fail.shift();
    if (f) throw f;
    return { ok: true };
  }
}

const rateLimited = (retryAfter: number) =>
  Object.assign(new Error('A rate limit was exceeded'), { code: 'slack_webapi_rate_limited_error', retryAfter });
const platform = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error },
  });
const network = () => Object.assign(new Error('socket hang up'), { code: 'slack_webapi_request_error' });

function setup(opts: { intervalMs?: number; maxRetries?: number } = {}) {
  const clock = new FakeClock();
  const chat = new FakeChat(clock);
  const failures: string[] = [];
  const observed: string[] = [];
  const n = new PacedNotifier({
    chat,
    clock,
    intervalMs: opts.intervalMs ?? 1000,
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    onFailure: (f) => failures.push(`${f.method}:${f.error}`),
    observe: (m, r) => observed.push(`${m}:${r}`),
  });
  return { clock, chat, n, failures, observed };
}

describe('PacedNotifier', () => {
  it('sends at most one call per interval per channel, channels in parallel', async () => {
    const { clock, chat, n } = setup();
    for (let i = 0; i < 4; i++) n.post('CA', { text: `a${i}` });
    for (let i = 0; i < 2; i++) n.post('CB', { text: `b${i}` });
    await clock.advance(0);
    expect(chat.calls.map((c) => `${c.args.channel}@${c.at}`)).toEqual(['CA@0', 'CB@0']);
    await clock.advance(3200);
    const at = (ch: string) => chat.calls.filter((c) => c.args.channel === ch).map((c) => c.at);
    expect(at('CA')).toEqual([0, 1000, 2000, 3000]);
    expect(at('CB')).toEqual([0, 1000]);
    expect(chat.calls.map((c) => c.args.text)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'a3']);
    // The budget is remembered after the queue ran dry: the next call waits for it.
    n.post('CA', { text: 'a4' });
    await clock.advance(0);
    expect(at('CA')).toEqual([0, 1000, 2000, 3000]);
    await clock.advance(1000);
    expect(at('CA')).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('counts updates and thread replies against the channel budget too', async () => {
    const { clock, chat, n } = setup({ intervalMs: 500 });
    const p = n.post('C1', { text: 'parent' });
    await clock.advance(0);
    n.update(p, { text: 'parent v2' });
    n.reply(p, { text: 'reply' }, { merge: false });
    n.update(p, { text: 'parent v3' });
    await clock.advance(3000);
    expect(chat.calls.map((c) => [c.method, c.at, c.args.text])).toEqual([
      ['post', 0, 'parent'],
      ['update', 500, 'parent v3'],
      ['post', 1000, 'reply'],
    ]);
  });

  it('folds updates of a message still queued into its post', async () => {
    const { clock, chat, n } = setup();
    n.post('C1', { text: 'first' });
    const second = n.post('C1', { text: 'ringing' });
    n.update(second, { text: 'connected' });
    n.update(second, { text: 'ended', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'ended' } }] });
    await clock.advance(2000);
    expect(chat.calls).toHaveLength(2);
    expect(chat.calls[1]!.args).toMatchObject({ text: 'ended', blocks: [{ type: 'section' }] });
    expect(await second.posted).toBe('1700000000.000002');
  });

  it('collapses several pending updates into one carrying the latest content and skips no-op updates', async () => {
    const { clock, chat, n } = setup();
    const p = n.post('C1', { text: 'v1' });
    await clock.advance(0);
    for (let i = 2; i <= 6; i++) n.update(p, { text: `v${i}` });
    await clock.advance(1000);
    expect(chat.calls.map((c) => `${c.method}:${c.args.text}`)).toEqual(['post:v1', 'update:v6']);
    // While the budget is used up: a no-op, a change and its undoing cost nothing.
    n.update(p, { text: 'v6' });
    n.update(p, { text: 'v7' });
    n.update(p, { text: 'v6' });
    await clock.advance(5000);
    expect(chat.calls).toHaveLength(2);
  });

  it('posts thread replies after the parent with its ts, merging replies that wait together', async () => {
    const { clock, chat, n } = setup();
    const p = n.post('C1', { text: 'parent' });
    const r1 = n.reply(p, { text: 'caller joined' });
    const r2 = n.reply(p, { text: 'agent joined' });
    n.reply(p, { text: 'hung up' });
    await clock.advance(5000);
    expect(chat.calls.map((c) => [c.method, c.args.text, (c.args as PostArgs).thread_ts])).toEqual([
      ['post', 'parent', undefined],
      ['post', 'caller joined\nagent joined\nhung up', '1700000000.000001'],
    ]);
    expect(await r1.posted).toBe(await r2.posted);
    // A reply after the merged one went out starts a new message; an edit of a part edits the merged message.
    n.reply(p, { text: 'late' });
    n.update(r2, { text: 'agent joined (edited)' });
    await clock.advance(5000);
    expect(chat.calls.slice(2).map((c) => [c.method, c.args.text])).toEqual([
      ['post', 'late'],
      ['update', 'caller joined\nagent joined (edited)\nhung up'],
    ]);
  });

  it('keeps replies of different threads apart and in order', async () => {
    const { clock, chat, n } = setup({ intervalMs: 100 });
    const a = n.post('C1', { text: 'A' });
    const b = n.post('C1', { text: 'B' });
    n.reply(a, { text: 'a1' });
    n.reply(b, { text: 'b1' });
    n.reply(a, { text: 'a2' });
    await clock.advance(1000);
    expect(chat.calls.map((c) => `${c.args.text}>${(c.args as PostArgs).thread_ts ?? '-'}`)).toEqual([
      'A>-',
      'B>-',
      'a1\na2>1700000000.000001',
      'b1>1700000000.000002',
    ]);
  });

  it('retries a 429 after Retry-After without losing or duplicating the message', async () => {
    const { clock, chat, n, observed } = setup();
    chat.fail.push(rateLimited(3), rateLimited(2));
    const p = n.post('C1', { text: 'parent' });
    n.post('C1', { text: 'next' });
    await clock.advance(0);
    n.update(p, { text: 'parent, updated while rate limited' });
    await clock.advance(2999);
    expect(chat.calls).toHaveLength(1);
    await clock.advance(1);
    expect(chat.calls).toHaveLength(2);
    await clock.advance(1999);
    expect(chat.calls).toHaveLength(2);
    await clock.advance(1);
    await clock.advance(5000);
    expect(chat.calls.map((c) => `${c.at}:${c.args.text}`)).toEqual([
      '0:parent',
      '3000:parent, updated while rate limited',
      '5000:parent, updated while rate limited',
      '6000:next',
    ]);
    expect(await p.posted).toBe('1700000000.000001');
    expect(observed.filter((o) => o.endsWith('rate_limited'))).toHaveLength(2);
  });

  it('retries network errors with backoff, then gives up', async () => {
    const { clock, chat, n, failures } = setup({ maxRetries: 2 });
    chat.fail.push(network());
    const ok = n.post('C1', { text: 'survives one error' });
    await clock.advance(10_000);
    expect(await ok.posted).toBeDefined();
    chat.fail.push(network(), network(), network());
    const lost = n.post('C1', { text: 'fails three times' });
    await clock.advance(20_000);
    expect(await lost.posted).toBeUndefined();
    expect(failures).toEqual(['chat.postMessage:transient']);
    expect(chat.calls.filter((c) => c.args.text === 'fails three times')).toHaveLength(3);
  });

  it('drops replies and updates of a parent that could not be posted, without calls', async () => {
    const { clock, chat, n, failures } = setup();
    chat.fail.push(platform('not_in_channel'));
    const p = n.post('C1', { text: 'parent' });
    const r = n.reply(p, { text: 'reply' });
    n.update(p, { text: 'parent v2' });
    n.post('C1', { text: 'other' });
    await clock.advance(10_000);
    expect(chat.calls.map((c) => c.args.text)).toEqual(['parent', 'other']);
    expect(await p.posted).toBeUndefined();
    expect(await r.posted).toBeUndefined();
    expect(failures).toEqual(['chat.postMessage:not_in_channel']);
    const late = n.reply(p, { text: 'later reply' });
    expect(await late.posted).toBeUndefined();
  });

  it('sends an update that arrives while the post is in flight afterwards', async () => {
    const { clock, chat, n } = setup({ intervalMs: 10 });
    const p = n.post('C1', { text: 'v1' });
    n.update(p, { text: 'v1' });
    // The post is in flight now (the fake answers on the next microtask).
    await Promise.resolve();
    n.update(p, { text: 'v2' });
    await clock.advance(100);
    expect(chat.calls.map((c) => `${c.method}:${c.args.text}`)).toEqual(['post:v1', 'update:v2']);
  });

  it('adopts a message posted before, tells when it is idle, and drops what is queued on close', async () => {
    const { clock, chat, n } = setup();
    const old = n.adopt('C1', '1699999999.000001', { text: 'old' });
    n.update(old, { text: 'old, updated' });
    n.reply(old, { text: 'r' });
    expect(n.pending('C1')).toBe(2);
    let idle = false;
    void n.idle().then(() => (idle = true));
    await clock.advance(0);
    expect(chat.calls[0]!.args).toMatchObject({ ts: '1699999999.000001', text: 'old, updated' });
    expect(idle).toBe(false);
    await clock.advance(1000);
    expect(idle).toBe(true);
    expect((chat.calls[1]!.args as PostArgs).thread_ts).toBe('1699999999.000001');

    const a = n.post('C2', { text: 'a' });
    const b = n.post('C2', { text: 'b' });
    await clock.advance(0);
    expect(n.close()).toBe(1);
    expect(await a.posted).toBeDefined();
    expect(await b.posted).toBeUndefined();
    await n.idle();
    expect(clock.pendingTimers).toBe(0);
  });

  it('holds a delayed post until its time or its release, carrying the updates made meanwhile', async () => {
    const { clock, chat, n } = setup({ intervalMs: 100 });
    const held = n.post('C1', { text: 'ringing' }, { delayMs: 1500 });
    await clock.advance(1000);
    expect(chat.calls).toHaveLength(0);
    n.update(held, { text: 'connected' });
    await clock.advance(499);
    expect(chat.calls).toHaveLength(0);
    await clock.advance(1);
    expect(chat.calls.map((c) => [c.method, c.at, c.args.text])).toEqual([['post', 1500, 'connected']]);

    // Released early: it goes at once (within the channel's pacing); the next message waits behind it.
    const early = n.post('C2', { text: 'ringing' }, { delayMs: 5000 });
    n.post('C2', { text: 'after' });
    await clock.advance(200);
    expect(chat.calls.filter((c) => c.args.channel === 'C2')).toHaveLength(0);
    n.update(early, { text: 'ended' });
    n.release(early);
    await clock.advance(0);
    await clock.advance(100);
    expect(chat.calls.filter((c) => c.args.channel === 'C2').map((c) => [c.at, c.args.text])).toEqual([
      [1700, 'ended'],
      [1800, 'after'],
    ]);
    await n.idle();
    expect(clock.pendingTimers).toBe(0);
  });
  it('tells each caller of update when Slack shows its content, and why a post or an update failed', async () => {
    const { clock, chat, n } = setup();
    n.post('C1', { text: 'first' });
    const p = n.post('C1', { text: 'v1' }); // queued behind "first"
    const early = n.update(p, { text: 'v2' }); // rides on the post
    await clock.advance(1000);
    await expect(early).resolves.toBeUndefined();
    expect(chat.calls.map((c) => c.args.text)).toEqual(['first', 'v2']);
    const a = n.update(p, { text: 'v3' });
    const b = n.update(p, { text: 'v4' }); // coalesced with v3: one call carries v4
    const same = n.update(p, { text: 'v4' });
    chat.fail.push(platform('message_not_found'));
    await clock.advance(1000);
    const failure = { kind: 'platform', code: 'message_not_found' };
    await expect(a).resolves.toEqual(failure);
    await expect(b).resolves.toEqual(failure);
    await expect(same).resolves.toEqual(failure);
    expect(chat.calls.map((c) => c.args.text)).toEqual(['first', 'v2', 'v4']);

    chat.fail.push(platform('not_in_channel'));
    const q = n.post('C2', { text: 'x' });
    await clock.advance(0);
    await expect(q.posted).resolves.toBeUndefined();
    expect(q.failure).toEqual({ kind: 'not-in-channel', code: 'not_in_channel' });
    await expect(n.update(q, { text: 'y' })).resolves.toEqual(q.failure);
    expect(n.reply(q, { text: 'r' }).failure).toEqual(q.failure);
  });

  it('answers update callers when the notifier closes before their call', async () => {
    const { clock, n } = setup();
    const p = n.post('C1', { text: 'v1' });
    await clock.advance(0);
    const waiting = n.update(p, { text: 'v2' });
    n.close();
    await expect(waiting).resolves.toEqual({ kind: 'transient', code: 'notifier_closed' });
    await expect(n.update(p, { text: 'v3' })).resolves.toEqual({ kind: 'transient', code: 'notifier_closed' });
  });
});
