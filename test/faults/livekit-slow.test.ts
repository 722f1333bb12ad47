/**
 * LiveKit answers slowly: Slack still gets its answer within 3 s, with a clear error instead of a
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

  it('slower than Slack allows for the submit check: errors within 3 s, nothing created', async () => {
    h.livekit.setLatency(4000);
    const t0 = Date.now();
    const res = await submit(h);
    expect(Date.now() - t0).toBeLessThan(3000);
    const body = res.body as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.dids).toMatch(/LiveKit did not answer in time/);
    h.livekit.setLatency(0);
    await new Promise((r) => setTimeout(r, 4200)); // the slow request lands
    expect(h.livekit.inboundTrunks()).toHaveLength(0);
    expect(await h.deps.repos.bindings.count()).toBe(0);
  });

  it('slow but within bounds: the change completes, step by step', async () => {
    h.livekit.setLatency(300);
    const res = await submit(h);
    expect(res.body).toEqual({ response_action: 'clear' });
    await eventually(async () => (await h.deps.repos.journal.listFor('acme-us'))[0]?.state === 'committed', 10_000, 'the commit');
    expect([h.livekit.inboundTrunks().length, h.livekit.dispatchRules().length, h.livekit.outboundTrunks().length]).toEqual([1, 1, 1]);
  });
});
