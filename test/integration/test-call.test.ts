import type { Binding } from '../../src/domain/binding';
import { testCallFeature } from '../../src/features/test-call';
import type { CallRecord } from '../../src/store/calls-repo';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { renderMessage } from '../support/slack-render';
import { blockAction, interactivityBody, nowSec } from '../support/slack-request';
import type { SlackMessage } from '../support/slack-standin';

/**
 * /sip-test-call against the LiveKit SIP emulator and the Slack stand-in. The service clock runs
 * ahead of real time by `offset`; each test moves it 11 minutes on, so rate-limit windows and
 * trunk slots of earlier tests never interfere.
 */

const TESTER = 'UTESTER1';
const OUTSIDER = 'UOTHER01';

type Ack = { response_type?: string; text?: string };

describe('/sip-test-call', () => {
  let h: Harness;
  let offset = 0;
  let acme: Binding;
  let seq = 0;
  const nextNumber = (): string => `+1415666${String(1000 + ++seq).slice(-4)}`;

  beforeAll(async () => {
    h = await startHarness({
      slackPaceMs: 0,
      now: () => new Date(Date.now() + offset),
      env: { TEST_CALL_USER_IDS: TESTER },
      features: (deps) => [testCallFeature(deps, { holdMs: 200 })],
    });
    acme = await seedBinding(h.deps, {
      name: 'acme-us',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'acme.pstn.sinch.com',
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    offset += 11 * 60_000;
    h.slack.reset();
  });

  async function command(text: string, fields: Record<string, string> = {}): Promise<Ack> {
    const res = await h.client.command({
      command: '/sip-test-call',
      text,
      user_id: TESTER,
      channel_id: SUPPORT_CHANNEL,
      ...fields,
    });
    expect(res.status).toBe(200);
    return res.body as Ack;
  }

  /** The parent message for a call to `number`, once it carries the final verdict. */
  async function finalParent(number: string, binding = acme.name): Promise<SlackMessage> {
    return eventually(
      () =>
        h.slack
          .topLevel(SUPPORT_CHANNEL)
          .find((m) => m.versions[0]!.text === `Test call via ${binding} to ${number}: dialing` && m.edits > 0),
      8000,
      `the verdict for ${number}`,
    );
  }

  function replies(parent: SlackMessage): string[] {
    return h.slack.thread(SUPPORT_CHANNEL, parent.ts).replies.map((m) => renderMessage(m.args).replace(/`/g, ''));
  }

  /** What a person reads: rendered blocks without mrkdwn markers. */
  function readable(msg: { blocks?: unknown[] | undefined }): string {
    return renderMessage(msg).replace(/[*`]/g, '');
  }

  async function record(number: string): Promise<CallRecord> {
    const all = await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'test' });
    const found = all.find((c) => c.callee === number);
    if (!found) throw new Error(`no call record for ${number}`);
    return found;
  }

  const testRooms = () => h.livekit.rooms().filter((r) => r.name.startsWith('sipops-test-'));
  const dials = () => h.livekit.countCalls('CreateSIPParticipant');

  it('answered: ephemeral ack, parent dialing → verdict, thread dialing → answered → hung up, room deleted, call recorded', async () => {
    const number = nextNumber();
    const typed = `+1 (${number.slice(2, 5)}) ${number.slice(5, 8)}-${number.slice(8)}`;
    const ack = await command(`ACME-US ${typed} 30`);
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain(`Placing a test call via \`acme-us\` to \`${number}\``);

    const parent = await finalParent(number);
    expect(parent.versions[0]!.text).toBe(`Test call via acme-us to ${number}: dialing`);
    expect(parent.text).toMatch(new RegExp(`^Test call via acme-us to \\${number}: answered in \\d`));
    const shown = readable({ blocks: parent.blocks });
    expect(shown).toContain('Answered: yes');
    expect(shown).toContain('SIP status: 200 OK');
    expect(shown).toMatch(/Time to answer: \d+ ms/);
    expect(shown).toContain('[Call again] [Loopback] [Run checks for this binding]');

    const thread = replies(parent);
    expect(thread).toHaveLength(3);
    expect(thread[0]).toMatch(
      new RegExp(
        `^☎️ Dialing \\${number} from \\${acme.callerId} through outbound trunk ${acme.resources.outboundTrunkId}`,
      ),
    );
    expect(thread[1]).toMatch(/^✅ Answered after \d+ ms \(SIP 200 OK\)/);
    expect(thread[2]).toMatch(/^📴 Hung up after \d+ ms on the line; room sipops-test-acme-us-[0-9a-f]{8} deleted\.$/);

    // LiveKit saw one call, through the binding's outbound trunk, and the room is gone
    const req = h.livekit.requests.filter((r) => r.method === 'CreateSIPParticipant').at(-1)!.body as Record<
      string,
      unknown
    >;
    expect(req).toMatchObject({
      sipTrunkId: acme.resources.outboundTrunkId,
      sipCallTo: number,
      sipNumber: acme.callerId,
      waitUntilAnswered: true,
    });
    expect(String(req.roomName)).toMatch(/^sipops-test-acme-us-[0-9a-f]{8}$/);
    expect(h.livekit.requests.map((r) => r.method)).toEqual(
      expect.arrayContaining(['RemoveParticipant', 'DeleteRoom']),
    );
    expect(testRooms()).toEqual([]);

    const rec = await record(number);
    expect(rec).toMatchObject({
      direction: 'test',
      bindingName: 'acme-us',
      caller: acme.callerId,
      callee: number,
      actor: TESTER,
      outcome: 'answered',
      sipStatus: 200,
      slackChannel: SUPPORT_CHANNEL,
      slackTs: parent.ts,
      roomName: req.roomName,
    });
    expect(rec.setupMs).toBeGreaterThanOrEqual(0);
    expect(rec.durationMs).toBeGreaterThanOrEqual(200);
    expect(rec.answeredAt).not.toBeNull();
    expect(rec.detail).toMatchObject({ summary: 'answered', timeoutSec: 30 });
  });

  it.each<[number, string, string]>([
    [
      403,
      'Sinch refused the call (SIP 403 Forbidden)',
      'trunk ACL contains the public IP of sip.acme.example as a /32',
    ],
    [
      401,
      'Digest authentication failed (SIP 401 Unauthorized)',
      'credential list is linked to the trunk for acme.pstn.sinch.com',
    ],
    [
      407,
      'Digest authentication failed (SIP 407 Proxy Authentication Required)',
      'username and password on the LiveKit outbound trunk',
    ],
    [
      404,
      'Number or trunk domain not found (SIP 404 Not Found)',
      'outbound trunk address is exactly acme.pstn.sinch.com',
    ],
    [
      408,
      'No answer from Sinch in time (SIP 408 Request Timeout)',
      'UDP may be blocked or unreliable: try TCP for acme-us',
    ],
    [480, 'The callee is unavailable (SIP 480 Temporarily Unavailable)', 'EST allows 1 call per second by default'],
    [486, 'The callee is busy (SIP 486 Busy Here)', 'EST allows 1 call per second by default'],
    [603, 'The call was declined (SIP 603 Decline)', "exceeding the trunk's call rate"],
    [
      488,
      'Media settings were refused (SIP 488 Not Acceptable Here)',
      'set media encryption to disabled on both LiveKit trunks',
    ],
    [
      503,
      'Service unavailable on the call path (SIP 503 Service Unavailable)',
      'has at least one active endpoint pointing at sip.acme.example',
    ],
  ])('SIP %i: failed verdict with the diagnosis, room cleaned up, recorded', async (sipStatus, headline, step) => {
    const number = nextNumber();
    h.livekit.setCallOutcome(number, { kind: 'reject', sipStatus, afterMs: 5 });
    await command(`acme-us ${number}`);
    const parent = await finalParent(number);
    expect(parent.text).toBe(
      `Test call via acme-us to ${number}: failed (SIP ${sipStatus} ${sipReasonOf(sipStatus)}) — ${headline}`,
    );
    const shown = readable({ blocks: parent.blocks });
    expect(shown).toContain(`SIP status: ${sipStatus} ${sipReasonOf(sipStatus)}`);
    expect(shown).toContain('Answered: no');
    expect(shown).toContain(headline);
    expect(shown).toContain(step);
    const thread = replies(parent);
    expect(thread).toHaveLength(2);
    expect(thread[1]).toMatch(new RegExp(`^❌ SIP ${sipStatus} .* after \\d+ ms: `));
    expect(testRooms()).toEqual([]);
    const rec = await record(number);
    expect(rec).toMatchObject({ outcome: 'failed', sipStatus, setupMs: null, answeredAt: null });
    expect(rec.detail).toMatchObject({ diagnosis: headline, failureKind: 'sip-status' });
  });

  it('ringing timeout: no-answer verdict with its diagnosis', async () => {
    const number = nextNumber();
    h.livekit.setCallOutcome(number, { kind: 'no-answer', afterMs: 50 });
    await command(`acme-us ${number} 10`);
    const parent = await finalParent(number);
    expect(parent.text).toBe(`Test call via acme-us to ${number}: no answer within 10 s — No answer`);
    const shown = readable({ blocks: parent.blocks });
    expect(shown).toContain('The callee did not pick up before the ringing timeout.');
    expect(shown).toContain('SIP status: none');
    expect(replies(parent)[1]).toMatch(/^⏰ no answer within 10 s after \d+ ms: No answer\.$/);
    expect(testRooms()).toEqual([]);
    expect(await record(number)).toMatchObject({ outcome: 'no-answer', sipStatus: null });
  });

  it('LiveKit control-plane errors are named as such: no SIP service, trunk missing', async () => {
    const a = nextNumber();
    h.livekit.setCallOutcome(a, { kind: 'no-sip-service' });
    await command(`acme-us ${a}`);
    const pa = await finalParent(a);
    expect(pa.text).toBe(
      `Test call via acme-us to ${a}: failed (LiveKit: no SIP service answered (not a SIP response)) — No LiveKit SIP service answered`,
    );
    expect(readable({ blocks: pa.blocks })).toContain('SIP status: none (LiveKit error)');
    expect(await record(a)).toMatchObject({
      outcome: 'failed',
      sipStatus: null,
      detail: expect.objectContaining({ controlPlane: true, failureKind: 'no-sip-service' }),
    });

    offset += 11 * 60_000;
    const b = nextNumber();
    h.livekit.failNext('CreateSIPParticipant', { code: 'not_found', msg: 'requested sip trunk does not exist' });
    await command(`acme-us ${b}`);
    const pb = await finalParent(b);
    expect(pb.text).toBe(
      `Test call via acme-us to ${b}: failed (LiveKit: trunk not found (not a SIP response)) — LiveKit resource not found`,
    );
    expect(readable({ blocks: pb.blocks })).toContain('/sip-setup show acme-us');
  });

  it('refuses disallowed channels, users and destinations at once, ephemerally, without dialing or posting', async () => {
    const before = dials();
    const number = nextNumber();
    const channel = await command(`acme-us ${number}`, { channel_id: OPS_CHANNEL });
    expect(channel).toEqual({
      response_type: 'ephemeral',
      text: `🚫 Test calls can only be placed in <#${SUPPORT_CHANNEL}>.`,
    });
    const admin = await command(`acme-us ${number}`, { channel_id: OPS_CHANNEL, user_id: ADMIN_USER });
    expect(admin.text).toContain('can only be placed in');
    const user = await command(`acme-us ${number}`, { user_id: OUTSIDER });
    expect(user.response_type).toBe('ephemeral');
    expect(user.text).toContain('not allowed to place test calls');
    const dest = await command('acme-us +49 30 1234567');
    expect(dest.response_type).toBe('ephemeral');
    expect(dest.text).toContain('`+49301234567` is not an allowed destination');
    expect(dest.text).toContain('`+1`, `+44`');
    await new Promise((r) => setTimeout(r, 100));
    expect(dials()).toBe(before);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('admins may call even when TEST_CALL_USER_IDS does not list them', async () => {
    const number = nextNumber();
    const ack = await command(`acme-us ${number}`, { user_id: ADMIN_USER });
    expect(ack.text).toContain('Placing a test call');
    await finalParent(number);
  });

  it('refuses a second call through a binding while one is in flight', async () => {
    const first = nextNumber();
    const second = nextNumber();
    h.livekit.setCallOutcome(first, { kind: 'answer', afterMs: 400 });
    const before = dials();
    await command(`acme-us ${first}`);
    const refused = await command(`acme-us ${second}`, { user_id: ADMIN_USER });
    expect(refused.response_type).toBe('ephemeral');
    expect(refused.text).toBe(
      `🚫 A test call via \`acme-us\` is already in progress (to \`${first}\`, started by <@${TESTER}>). One call per binding at a time: wait until it has finished.`,
    );
    await finalParent(first);
    expect(dials()).toBe(before + 1);
  });

  it('rate-limits a user to 5 calls in 10 minutes', async () => {
    const before = dials();
    for (let i = 0; i < 5; i++) {
      const n = nextNumber();
      h.livekit.setCallOutcome(n, { kind: 'reject', sipStatus: 486, afterMs: 1 });
      expect((await command(`acme-us ${n}`)).text).toContain('Placing a test call');
      await finalParent(n);
      offset += 1500; // past the 1 call/s trunk slot, well inside the 10-minute window
    }
    const refused = await command(`acme-us ${nextNumber()}`);
    expect(refused.response_type).toBe('ephemeral');
    expect(refused.text).toMatch(
      /^🚫 You have placed 5 test calls in the last 10 min, the most allowed\. Try again in \d+ min\.$/,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(dials()).toBe(before + 5);
  });

  it('keeps calls through one EST trunk domain at least 1 s apart, across bindings', async () => {
    const beta = await seedBinding(h.deps, {
      name: 'acme-beta',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'ACME.pstn.sinch.com',
    });
    const a = nextNumber();
    const b = nextNumber();
    await command(`acme-us ${a}`);
    const ack = await command(`${beta.name} ${b}`, { user_id: ADMIN_USER });
    expect(ack.text).toMatch(/It starts in \d+ ms to keep EST's 1 call\/s limit on `acme\.pstn\.sinch\.com`/);
    await finalParent(a);
    await finalParent(b, beta.name);
    const starts = h.livekit.requests.filter((r) => r.method === 'CreateSIPParticipant').slice(-2);
    expect(starts.map((r) => (r.body as { sipCallTo: string }).sipCallTo)).toEqual([a, b]);
    expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('unknown binding: ephemeral error that says how to see the bindings; typed text is escaped', async () => {
    const before = dials();
    const unknown = await command('nope +14155550100');
    expect(unknown.response_type).toBe('ephemeral');
    expect(unknown.text).toContain('There is no binding named `nope`.');
    expect(unknown.text).toContain('`acme-us`');
    expect(unknown.text).toContain('`/sip-setup list`');

    const injected = await command('<!channel> +14155550100');
    expect(injected.text).not.toContain('<!channel>');
    expect(injected.text).toContain('&lt;!channel&gt;');
    const badNumber = await command('acme-us <!here|here> <@U123>');
    expect(badNumber.response_type).toBe('ephemeral');
    expect(badNumber.text).not.toMatch(/<!here|<@U123>/);
    expect(badNumber.text).toContain('Usage: `/sip-test-call <binding> <number> [timeout-seconds]`');
    expect(dials()).toBe(before);
  });

  it('falls back to response_url when the bot cannot post in the channel (not_in_channel)', async () => {
    const number = nextNumber();
    h.livekit.setCallOutcome(number, { kind: 'reject', sipStatus: 403, afterMs: 5 });
    h.slack.script('chat.postMessage', { ok: false, error: 'not_in_channel' }, 1);
    const ack = await command(`acme-us ${number}`, { response_id: 'fallback' });
    expect(ack.text).toContain('Placing a test call');
    const posts = (await h.slack.waitForResponseUrlPost('fallback', 2, 8000)) as Array<{
      response_type: string;
      text: string;
      blocks?: unknown[];
    }>;
    expect(posts[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(posts[0]!.text).toContain('cannot post in this channel (`not_in_channel`)');
    expect(posts[1]).toMatchObject({
      response_type: 'in_channel',
      text: `Test call via acme-us to ${number}: failed (SIP 403 Forbidden) — Sinch refused the call (SIP 403 Forbidden)`,
    });
    expect(readable({ blocks: posts[1]!.blocks })).toContain('[Call again] [Loopback] [Run checks for this binding]');
    expect(h.slack.messages(SUPPORT_CHANNEL)).toHaveLength(0);
    const rec = await record(number);
    expect(rec).toMatchObject({
      outcome: 'failed',
      sipStatus: 403,
      slackTs: null,
      detail: expect.objectContaining({ slackFallback: 'not_in_channel' }),
    });
    expect(testRooms()).toEqual([]);
  });

  it('"Call again" re-runs the call for the clicking user, through every guard', async () => {
    const number = nextNumber();
    await command(`acme-us ${number} 20`);
    const parent = await finalParent(number);
    const actions = (
      parent.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    ).find((b) => b.type === 'actions')!;
    const again = actions.elements!.find((e) => e.action_id === 'test_call_again')!;
    expect(JSON.parse(again.value)).toEqual({
      b: 'acme-us',
      n: number,
      t: 20,
      bi: acme.id,
      c: (await record(number)).id,
    });
    expect(JSON.parse(actions.elements!.find((e) => e.action_id === 'health_check_binding')!.value)).toEqual({
      b: 'acme-us',
      bi: acme.id,
    });

    // an outsider clicking it is refused (ephemeral, via the button's response_url), nothing dialed
    const before = dials();
    offset += 2000;
    const res = await h.client.action({
      actionId: 'test_call_again',
      value: again.value,
      user: OUTSIDER,
      channel: SUPPORT_CHANNEL,
      messageTs: parent.ts,
      responseUrl: h.slack.responseUrl('outsider'),
    });
    expect(res.status).toBe(200);
    const [refusal] = (await h.slack.waitForResponseUrlPost('outsider')) as Array<{
      response_type: string;
      text: string;
    }>;
    expect(refusal).toMatchObject({ response_type: 'ephemeral' });
    expect(refusal!.text).toContain('not allowed to place test calls');
    expect(dials()).toBe(before);

    // the admin clicking it gets a fresh call with the same binding, number and timeout
    await h.client.action({
      actionId: 'test_call_again',
      value: again.value,
      user: ADMIN_USER,
      channel: SUPPORT_CHANNEL,
      messageTs: parent.ts,
      responseUrl: h.slack.responseUrl('admin'),
    });
    await eventually(
      () =>
        h.slack
          .topLevel(SUPPORT_CHANNEL)
          .filter((m) => m.versions[0]!.text === `Test call via acme-us to ${number}: dialing` && m.edits > 0)
          .length === 2,
      8000,
      'the second verdict',
    );
    expect(dials()).toBe(before + 1);
    const calls = (await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'test' })).filter(
      (c) => c.callee === number,
    );
    expect(calls.map((c) => c.actor)).toEqual([TESTER, ADMIN_USER]);
    expect(calls[1]!.detail).toMatchObject({ timeoutSec: 20 });
  });

  it('"Call again" acts on one press once: a replayed signed payload and a Slack retry place no second call', async () => {
    const number = nextNumber();
    await command(`acme-us ${number} 20`);
    const parent = await finalParent(number);
    const again = (parent.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
      .find((b) => b.type === 'actions')!
      .elements!.find((e) => e.action_id === 'test_call_again')!;
    const verdicts = (): number =>
      h.slack
        .topLevel(SUPPORT_CHANNEL)
        .filter((m) => m.versions[0]!.text === `Test call via acme-us to ${number}: dialing` && m.edits > 0).length;
    const before = dials();
    offset += 2000;

    const press = interactivityBody(
      blockAction({
        actionId: 'test_call_again',
        value: again.value,
        user: TESTER,
        channel: SUPPORT_CHANNEL,
        messageTs: parent.ts,
        responseUrl: h.slack.responseUrl('press'),
      }),
    );
    const timestamp = nowSec();
    expect((await h.client.post(press, { timestamp })).status).toBe(200);
    await eventually(() => verdicts() === 2, 8000, 'the verdict of the pressed call');
    offset += 2000;
    // the same signed request again, and as Slack's retry
    expect((await h.client.post(press, { timestamp })).status).toBe(200);
    expect((await h.client.post(press, { timestamp, retry: { num: 1, reason: 'http_timeout' } })).status).toBe(200);

    // a real second press (its own action_ts) is a new call; had a replay been acted on, this one
    // would be refused (binding busy) or a third call would be dialed
    await h.client.action({
      actionId: 'test_call_again',
      value: again.value,
      user: TESTER,
      channel: SUPPORT_CHANNEL,
      messageTs: parent.ts,
      responseUrl: h.slack.responseUrl('second'),
    });
    await eventually(() => verdicts() === 3, 8000, 'the verdict of the second press');
    expect(dials()).toBe(before + 2);
    expect(h.slack.responseUrlPosts('press')).toEqual([]);
  });

  it('"Call again" for a binding deleted and re-created under the same name is refused and dials nothing', async () => {
    const old = await seedBinding(h.deps, {
      name: 'acme-replay',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'replay.pstn.sinch.com',
    });
    const number = nextNumber();
    await command(`acme-replay ${number} 20`);
    const parent = await finalParent(number, 'acme-replay');
    const again = (parent.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>)
      .find((b) => b.type === 'actions')!
      .elements!.find((e) => e.action_id === 'test_call_again')!;
    expect(JSON.parse(again.value)).toMatchObject({ b: 'acme-replay', bi: old.id });

    expect(await h.deps.repos.bindings.delete('acme-replay')).toBe(true);
    const reborn = await seedBinding(h.deps, {
      name: 'acme-replay',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'replay.pstn.sinch.com',
    });
    expect(reborn.id).not.toBe(old.id);
    expect((await h.deps.repos.bindings.getById(reborn.id))?.name).toBe('acme-replay');
    expect(await h.deps.repos.bindings.getById(old.id)).toBeUndefined();

    const before = dials();
    offset += 2000;
    await h.client.action({
      actionId: 'test_call_again',
      value: again.value,
      user: TESTER,
      channel: SUPPORT_CHANNEL,
      messageTs: parent.ts,
      responseUrl: h.slack.responseUrl('reborn'),
    });
    const [refusal] = (await h.slack.waitForResponseUrlPost('reborn')) as Array<{
      response_type: string;
      text: string;
    }>;
    expect(refusal).toMatchObject({ response_type: 'ephemeral' });
    expect(refusal!.text).toMatch(
      /^⚠️ This button was for a binding `acme-replay` that was deleted on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC; open `\/sip-test-call acme-replay \+\d+` again\. Nothing was changed\.$/,
    );
    expect(dials()).toBe(before);
    expect(
      (await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'test' })).filter(
        (c) => c.callee === number,
      ),
    ).toHaveLength(1);
  });

  it('on shutdown a call still ringing is hung up and its room deleted', async () => {
    const number = nextNumber();
    h.livekit.setCallOutcome(number, { kind: 'answer', afterMs: 4000 });
    await command(`acme-us ${number} 60`);
    await eventually(() => testRooms().length === 1, 3000, 'the test-call room');
    await h.running.app.stop(200);
    expect(testRooms()).toEqual([]);
    expect(h.livekit.requests.map((r) => r.method)).toContain('DeleteRoom');
  });
});

function sipReasonOf(code: number): string {
  return (
    {
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      407: 'Proxy Authentication Required',
      408: 'Request Timeout',
      480: 'Temporarily Unavailable',
      486: 'Busy Here',
      488: 'Not Acceptable Here',
      503: 'Service Unavailable',
      603: 'Decline',
    } as Record<number, string>
  )[code]!;
}
