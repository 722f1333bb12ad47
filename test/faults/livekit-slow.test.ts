/**
 * LiveKit answers slowly: Slack still gets its answer in time (the product's own bound, not LiveKit's answer), with a clear error instead of a
 * half-checked form, and a change that was accepted still completes.
 */
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { eventually, startHarness, type Harness } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';

const features = (deps: AppDeps) => [sipSetupFeature(deps, { lookupIpv4: async () => undefined })];

function submit(h: Harness) {
  return submitCreateForm(h.client, plainBindingForm());
}

describe('fault: LiveKit is slow', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features });
  });
  afterEach(async () => h.stop());

  it('slower than Slack allows for the submit check: the check gives up on its own bound, nothing created', async () => {
    // LiveKit answers only when the test lets it: the answer to Slack can only come from the product's own bound.
    const release = h.livekit.holdAnswers();
    const res = await submit(h);
    const asked = h.livekit.countCalls('ListSIPInboundTrunk');
    release();
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.dids).toMatch(/LiveKit did not answer in time/);
    // LiveKit was asked, and Slack had its answer while LiveKit's was still held back.
    expect(asked).toBe(1);
    // The held request lands (a request made after it is answered after it); it changes nothing.
    expect((await h.deps.livekit.listInboundTrunks()).ok).toBe(true);
    await h.livekit.flushWebhooks();
    expect(h.livekit.inboundTrunks()).toHaveLength(0);
    expect(await h.deps.repos.bindings.count()).toBe(0);
  });

  it('slow but within bounds: the change completes, step by step', async () => {
    h.livekit.setLatency(300);
    const res = await submit(h);
    expect(res.body).toEqual({ response_action: 'clear' });
    await eventually(
      async () => (await h.deps.repos.journal.listFor('acme-us'))[0]?.state === 'committed',
      25_000,
      'the commit',
    );
    expect([
      h.livekit.inboundTrunks().length,
      h.livekit.dispatchRules().length,
      h.livekit.outboundTrunks().length,
    ]).toEqual([1, 1, 1]);
  });
});
