/**
 * The service process is killed (SIGKILL) at each step of creating a binding; the next start
 * finds the change in the journal and rolls back what it had done in LiveKit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeStep } from '../../src/domain/change-plan';
import { sipSetupFeature } from '../../src/features/sip-setup';
import type { ChangeRequest } from '../../src/features/sip-setup/change-executor';
import { startService } from '../../src/main';
import { OPS_CHANNEL, TEST_SIGNING_SECRET, eventually, harnessEnv } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { startProcess, waitForPort } from '../support/service-process';
import { SlackClient } from '../support/slack-request';
import { SlackStandIn } from '../support/slack-standin';

jest.setTimeout(60_000);

const STEPS = [
  { method: 'CreateSIPInboundTrunk', done: 0, statuses: ['undone', 'pending', 'pending'] },
  { method: 'CreateSIPDispatchRule', done: 1, statuses: ['undone', 'undone', 'pending'] },
  { method: 'CreateSIPOutboundTrunk', done: 2, statuses: ['undone', 'undone', 'undone'] },
] as const;

it.each(STEPS)(
  'SIGKILL while $method is in flight ($done steps done): the restart rolls the change back',
  async ({ method, done, statuses }) => {
    const slack = await SlackStandIn.start();
    const livekit = await LiveKitEmulator.start();
    const dir = mkdtempSync(join(tmpdir(), 'sip-ops-crash-'));
    const env = { ...harnessEnv(livekit, slack, dir), LOG_LEVEL: 'info' };
    const child = startProcess(env);
    try {
      const port = await waitForPort(child);
      livekit.failNext(method, 'hang');
      const client = new SlackClient(`http://127.0.0.1:${port}`, TEST_SIGNING_SECRET);
      const res = await submitCreateForm(client, plainBindingForm());
      expect(res.body).toEqual({ response_action: 'clear' });
      await eventually(() => livekit.countCalls(method) === 1, 10_000, `the ${method} request`);
      expect(livekit.inboundTrunks().length + livekit.dispatchRules().length + livekit.outboundTrunks().length).toBe(
        done,
      );
      child.kill('SIGKILL');
      await child.exit;

      const restarted = await startService(
        { ...env, LOG_LEVEL: 'silent' },
        { pretty: false, slackRetry: { retries: 0 }, drainMs: 1000, features: (deps) => [sipSetupFeature(deps)] },
      );
      try {
        const [entry] = await restarted.deps.repos.journal.listFor<ChangeStep, ChangeRequest>('acme-us');
        expect(entry!.state).toBe('rolled_back');
        expect(entry!.steps.map((s) => s.status)).toEqual(statuses);
        expect(livekit.inboundTrunks()).toHaveLength(0);
        expect(livekit.dispatchRules()).toHaveLength(0);
        expect(livekit.outboundTrunks()).toHaveLength(0);
        expect(await restarted.deps.repos.bindings.get('acme-us')).toBeUndefined();
        await eventually(
          () => slack.topLevel(OPS_CHANNEL).some((m) => /was interrupted before it finished/.test(m.text)),
          5000,
          'the recovery note',
        );
      } finally {
        await restarted.shutdown('test');
      }
    } finally {
      child.kill('SIGKILL');
      await livekit.stop();
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
