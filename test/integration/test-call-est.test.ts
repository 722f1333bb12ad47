/**
 * A test call's verdict cites EST's record of it (issue 16 point 6), end to end: the real service with a Sinch
 * access key for the Sinch emulator, a binding created with the EST side managed through the form, the call
 * placed through the LiveKit emulator, and the verdict read in Slack.
 */
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import { performHealthRun } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { testCallFeature } from '../../src/features/test-call';
import { ADMIN_USER, SUPPORT_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, submitCreateForm } from '../support/binding-form';
import type { SinchEmulator } from '../support/sinch-emulator';
import { renderBlocks, renderMessage, unescapeSlack } from '../support/slack-render';
import type { SlackMessage } from '../support/slack-standin';

const LIVEKIT_IP = '203.0.113.7';
const CALLER_ID = '+14155550100';

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, {
    lookupIpv4: async () => LIVEKIT_IP,
    recoveryRetryMs: 60_000,
    provisioning: { polls: 4, intervalMs: 1 },
  }),
  testCallFeature(deps, { holdMs: 50 }),
];

describe('/sip-test-call with the EST side managed: the verdict cites EST', () => {
  let h: Harness;
  let sinch: SinchEmulator;
  let trunkId: string;

  beforeAll(async () => {
    h = await startHarness({
      features,
      env: { TEST_CALL_USER_IDS: ADMIN_USER },
      sinch: { client: { timeoutMs: 2000 } },
    });
    sinch = h.sinch!;
    sinch.addOwnedNumber(CALLER_ID);
    sinch.addOwnedNumber('+14155550101');
    const res = await submitCreateForm(h.client, bindingForm({ estSide: 'managed' }));
    expect(res.body).toEqual({ response_action: 'clear' });
    const b = await eventually(
      async () => (await h.deps.repos.bindings.get('acme-us')) ?? undefined,
      8000,
      'the binding',
    );
    trunkId = b.resources.est!.trunkId!;
    expect(sinch.state.trunks.get(trunkId)).toBeDefined();
  });
  afterAll(async () => {
    await h.stop();
  });

  async function verdict(number: string): Promise<string> {
    const res = await h.client.command({
      command: '/sip-test-call',
      text: `acme-us ${number}`,
      user_id: ADMIN_USER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    const parent: SlackMessage = await eventually(
      () =>
        h.slack
          .topLevel(SUPPORT_CHANNEL)
          .find((m) => m.versions[0]!.text === `Test call via acme-us to ${number}: dialing` && m.edits > 0),
      15_000,
      `the verdict for ${number}`,
    );
    return renderMessage({ blocks: parent.blocks }).replace(/[*`]/g, '');
  }

  it('a 403 that EST logged as FAILED: "EST refused it" with EST\'s result, call ID and the causes to check', async () => {
    const number = '+442071838750';
    h.livekit.setCallOutcome(number, { kind: 'reject', sipStatus: 403, afterMs: 5 });
    const now = Date.now();
    // What Sinch writes when LiveKit's INVITE reaches it and is refused: E.164 without "+", the caller as a SIP URI.
    const refused = sinch.addCall({
      to: number.slice(1),
      from: `sip:${CALLER_ID.slice(1)}@${LIVEKIT_IP}`,
      direction: 'outbound',
      callResult: 'FAILED',
      createTime: new Date(now).toISOString(),
      durationSeconds: 0,
      trunkId,
    });
    // Decoys: another destination at the same time, and the same destination a day earlier.
    sinch.addCall({
      to: '442079460000',
      from: CALLER_ID.slice(1),
      direction: 'outbound',
      callResult: 'COMPLETED',
      createTime: new Date(now).toISOString(),
      durationSeconds: 3,
      trunkId,
    });
    sinch.addCall({
      to: number.slice(1),
      from: CALLER_ID.slice(1),
      direction: 'outbound',
      callResult: 'COMPLETED',
      createTime: new Date(now - 86_400_000).toISOString(),
      durationSeconds: 3,
      trunkId,
    });

    const shown = await verdict(number);
    expect(shown).toContain('SIP status: 403 Forbidden');
    expect(shown).toContain(`EST refused it (FAILED, EST call ${refused.callId})`);
    expect(shown).toContain("check the trunk's ACL or credentials");
    expect(shown).toContain("the destination country's permission");
    expect(shown).not.toContain('EST has no record');
  });

  it('a 403 EST has no record of: the INVITE never reached Sinch', async () => {
    const number = '+14155559999';
    h.livekit.setCallOutcome(number, { kind: 'reject', sipStatus: 403, afterMs: 5 });
    const shown = await verdict(number);
    expect(shown).toContain('SIP status: 403 Forbidden');
    expect(shown).toContain(
      'EST has no record of this call: the INVITE never reached Sinch (network, DNS or the trunk domain).',
    );
    expect(shown).not.toContain('EST refused it');
  });

  it('the test destination +44… is in a disabled country (GB): show and the health run warn; the caller ID country (US) is fine', async () => {
    // Runs after the 403 to +442071838750 above: a common test destination of acme-us now.
    expect(sinch.state.countries.get('GB')?.enabled).toBe(false);
    await h.client.command('/sip-setup', 'show acme-us', {
      user_id: ADMIN_USER,
      channel_id: SUPPORT_CHANNEL,
      response_id: 'show',
    });
    const posts = await h.slack.waitForResponseUrlPost('show', 1);
    const shown = unescapeSlack(renderBlocks((posts.at(-1) as { blocks: unknown[] }).blocks));
    expect(shown).toContain('⚠️ EST country permissions: United Kingdom (GB) disabled: +442071838750');
    expect(shown).not.toContain('caller ID, +44');

    const resolver: DnsResolver = async () => ({ ok: true, addresses: [LIVEKIT_IP] });
    const prober: OptionsProber = async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 1, server: 'x' });
    const run = await performHealthRun(h.deps, { prober, resolver });
    const acme = run.report.bindings.find((b) => b.name === 'acme-us')!;
    expect(acme.findings.find((f) => f.check === 'est.countries')).toMatchObject({
      status: 'warn',
      evidence: 'United Kingdom (GB) disabled: +442071838750',
    });

    // Enabled in the Sinch dashboard: the warning goes.
    sinch.state.countries.get('GB')!.enabled = true;
    const again = await performHealthRun(h.deps, { prober, resolver });
    const after = again.report.bindings.find((b) => b.name === 'acme-us')!;
    expect(after.findings.find((f) => f.check === 'est.countries')?.status).toBe('pass');
    sinch.state.countries.get('GB')!.enabled = false;
  });
});
