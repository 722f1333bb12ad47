/**
 * Slack answers 5xx (or 429) to every message call while work is under way: the work itself
 * (LiveKit changes, test calls, records) completes and nothing is half-done.
 */
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { testCallFeature } from '../../src/features/test-call';
import { ADMIN_USER, SUPPORT_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { seedBinding } from '../support/fixtures';

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => undefined }),
  testCallFeature(deps, { holdMs: 100 }),
];

describe('fault: Slack is down while work runs', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features });
  });
  afterEach(async () => h.stop());

  function failSlack(): void {
    for (const method of ['chat.postMessage', 'chat.update', 'chat.postEphemeral'])
      h.slack.script(method, { status: 503 });
    h.slack.script('response_url:default', { status: 500 });
  }

  it('a binding is created completely, journaled and audited although no progress message gets through', async () => {
    failSlack();
    const res = await submitCreateForm(
      h.client,
      plainBindingForm({ transport: 'tcp', reportChannel: SUPPORT_CHANNEL }),
    );
    expect(res.body).toEqual({ response_action: 'clear' });
    await eventually(
      async () => (await h.deps.repos.journal.listFor('acme-us'))[0]?.state === 'committed',
      8000,
      'the commit',
    );
    await eventually(() => h.deps.inflight.size === 0, 8000, 'the work to finish');
    const b = (await h.deps.repos.bindings.get('acme-us'))!;
    expect(Object.keys(b.resources)).toHaveLength(3);
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
    expect((await h.deps.repos.audit.list()).map((a) => a.action)).toEqual(['binding.create']);
    expect(h.slack.callsTo('chat.postMessage').length).toBeGreaterThan(0); // it did try
  });

  it('a test call is placed, hung up, its room deleted and its record stored although Slack fails', async () => {
    await seedBinding(h.deps, { name: 'acme-us', reportChannel: SUPPORT_CHANNEL });
    h.livekit.setCallOutcome('+14155550123', { kind: 'answer', afterMs: 20 });
    failSlack();
    const res = await h.client.command({
      command: '/sip-test-call',
      text: 'acme-us +14155550123 10',
      user_id: ADMIN_USER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    const rec = await eventually(
      async () => {
        const r = await h.deps.repos.calls.latest('test', 'acme-us');
        return r?.endedAt ? r : undefined;
      },
      10_000,
      'the call record',
    );
    expect(rec.outcome).toBe('answered');
    await eventually(() => h.deps.inflight.size === 0, 8000, 'the call to finish');
    expect(h.livekit.rooms()).toHaveLength(0);
  });
});
