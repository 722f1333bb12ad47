import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { bindingForm, submitCreateForm } from '../support/binding-form';

const ZWSP = '\u200B';

/**
 * Issue 15 point 3: what users copy from the bot must be what was stored. Runs the flows that send
 * messages (sip-setup create/show/list, a health run (`/sip-setup check`, its summary), a test call, an inbound call,
 * App Home) and checks that no Web API payload and no response_url post carries U+200B, while the
 * LiveKit IDs (`ST_…`, `SDR_…`, with underscores) are in them.
 */
describe('no message the bot sends contains a zero-width space', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TEST_CALL_USER_IDS: ADMIN_USER } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('holds across sip-setup, health, test call, inbound call and App Home', async () => {
    const form = bindingForm({ reportChannel: SUPPORT_CHANNEL });
    await submitCreateForm(h.client, form);
    const binding = await eventually(() => h.deps.repos.bindings.get(form.name), 10_000, 'the binding');
    await eventually(
      () => binding.resources.dispatchRuleId && h.slack.messages(OPS_CHANNEL).some((m) => m.edits > 0),
      10_000,
      'the create result',
    );

    const acks: unknown[] = [];
    for (const text of [`show ${form.name}`, 'list', 'check']) {
      const res = await h.client.command({
        command: '/sip-setup',
        text,
        user_id: ADMIN_USER,
        channel_id: OPS_CHANNEL,
        response_id: text,
      });
      acks.push(res.body);
      const answered = (res.body as { text?: string } | undefined)?.text !== undefined;
      await eventually(
        () => answered || h.slack.responseUrlPosts(text).length > 0,
        15_000,
        `the answer to /sip-setup ${text}`,
      );
    }
    await h.slack.waitForResponseUrlPost('check', 1, 15_000);

    await h.client.command({
      command: '/sip-test-call',
      text: `${form.name} +14155550188`,
      user_id: ADMIN_USER,
      channel_id: SUPPORT_CHANNEL,
    });
    await eventually(
      () => h.slack.topLevel(SUPPORT_CHANNEL).some((m) => m.text.includes('+14155550188') && m.edits > 0),
      15_000,
      'the test-call verdict',
    );

    const routed = await h.livekit.simulateInboundCall({
      from: '+14155550999',
      to: binding.dids[0]!,
      agent: { joinAfterMs: 5 },
      durationMs: 50,
    });
    expect(routed.routed).toBe(true);
    await h.livekit.flushWebhooks();
    await eventually(
      () => h.slack.messages(SUPPORT_CHANNEL).some((m) => m.text.includes('Hung up after')),
      15_000,
      'the inbound hang-up reply',
    );

    await h.client.event({
      type: 'event_callback',
      team_id: 'T1',
      event: { type: 'app_home_opened', user: ADMIN_USER, tab: 'home', channel: 'D1' },
      event_id: 'Ev1',
      event_time: 1,
    });
    await eventually(() => h.slack.callsTo('views.publish').length > 0, 10_000, 'the App Home');

    const payloads = [
      ...acks.map((a) => JSON.stringify(a)),
      ...h.slack.calls.map((c) => JSON.stringify(c.args)),
      ...[`show ${form.name}`, 'list', 'check'].flatMap((id) =>
        h.slack.responseUrlPosts(id).map((p) => JSON.stringify(p)),
      ),
    ];
    const all = payloads.join('\n');
    expect(all).toMatch(/ST_[A-Za-z0-9]+/);
    expect(all).toMatch(/SDR_[A-Za-z0-9]+/);
    expect(payloads.filter((p) => p.includes(ZWSP))).toEqual([]);
  }, 120_000);
});
