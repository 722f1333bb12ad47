/**
 * The service process is killed (SIGKILL) while an EST step of a managed create is in flight (issue 16 point 4):
 * the next start finds the change in the journal and rolls back both sides, so LiveKit and the Sinch project
 * are as they were (a number back on no trunk, the created trunk, endpoint and ACL deleted).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeStep } from '../../src/domain/change-plan';
import { sipSetupFeature } from '../../src/features/sip-setup';
import type { ChangeRequest } from '../../src/features/sip-setup/change-executor';
import { startService } from '../../src/main';
import { TEST_SIGNING_SECRET, TEST_SINCH_CLIENT, eventually, harnessEnv, sinchEnv } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { startProcess, waitForPort } from '../support/service-process';
import { SinchEmulator } from '../support/sinch-emulator';
import { SlackClient } from '../support/slack-request';
import { SlackStandIn } from '../support/slack-standin';

jest.setTimeout(60_000);

const ROUTES = [
  'POST /trunks',
  'POST /trunks/{id}/endpoints',
  'POST /accessControlLists',
  'PATCH /activeNumbers/{e164}',
];

it.each(ROUTES)('SIGKILL while %s is in flight: the restart rolls back LiveKit and EST', async (route) => {
  const slack = await SlackStandIn.start();
  const livekit = await LiveKitEmulator.start();
  const sinch = await new SinchEmulator({ provisioningDelayMs: 0 }).start();
  sinch.addOwnedNumber('+14155550100');
  const dir = mkdtempSync(join(tmpdir(), 'sip-ops-est-crash-'));
  const env = { ...harnessEnv(livekit, slack, dir, sinchEnv(sinch)), LOG_LEVEL: 'info' };
  const numbersBefore = JSON.stringify([...sinch.state.numbers.values()].map((n) => n.voice));
  const child = startProcess(env);
  try {
    const port = await waitForPort(child);
    sinch.failNext(route, { hang: true });
    const client = new SlackClient(`http://127.0.0.1:${port}`, TEST_SIGNING_SECRET);
    const res = await submitCreateForm(client, plainBindingForm({ estSide: 'managed' }));
    expect(res.body).toEqual({ response_action: 'clear' });
    await eventually(() => sinch.requests.includes(route), 15_000, `the ${route} request`);
    expect(livekit.inboundTrunks()).toHaveLength(1);
    child.kill('SIGKILL');
    await child.exit;

    const restarted = await startService(
      { ...env, LOG_LEVEL: 'silent' },
      {
        pretty: false,
        slackRetry: { retries: 0 },
        drainMs: 1000,
        sinch: TEST_SINCH_CLIENT,
        features: (deps) => [sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7' })],
      },
    );
    try {
      const [entry] = await restarted.deps.repos.journal.listFor<ChangeStep, ChangeRequest>('acme-us');
      expect(entry!.state).toBe('rolled_back');
      expect(livekit.inboundTrunks()).toHaveLength(0);
      expect(livekit.dispatchRules()).toHaveLength(0);
      expect(livekit.outboundTrunks()).toHaveLength(0);
      expect(sinch.state.trunks.size).toBe(0);
      expect(sinch.state.endpoints.size).toBe(0);
      expect(sinch.state.acls.size).toBe(0);
      expect(JSON.stringify([...sinch.state.numbers.values()].map((n) => n.voice))).toBe(numbersBefore);
      expect(await restarted.deps.repos.bindings.get('acme-us')).toBeUndefined();
    } finally {
      await restarted.shutdown('test');
    }
  } finally {
    child.kill('SIGKILL');
    await sinch.stop();
    await livekit.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
