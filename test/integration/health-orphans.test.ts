import type { AppDeps } from '../../src/features/feature';
import { healthFeature } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { ADMIN_USER, OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { renderBlocks } from '../support/slack-render';

interface StoredGlobal {
  global: Array<{ check: string; status: string; evidence: string }>;
}

/**
 * Issue 14 point 3: LiveKit resources tagged as managed by SIP Ops that no binding owns (the
 * database was lost or restored from an old copy) are found by the health run, which says which
 * binding they were tagged with and gives the import that adopts them; pasting it adopts them.
 */
describe('health run: orphaned LiveKit resources', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      features: (deps: AppDeps) => [
        sipSetupFeature(deps),
        healthFeature(deps, {
          threadPaceMs: 0,
          schedule: false,
          resolver: async () => ({ ok: true, addresses: ['192.0.2.10'] }),
          prober: async () => ({ kind: 'response', status: 200, reason: 'OK', rttMs: 4 }),
        }),
      ],
    });
  });
  afterAll(async () => h.stop());

  async function check(id: string): Promise<string> {
    await h.client.command({
      command: '/sip-setup',
      text: 'check',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: id,
    });
    const [posted] = (await h.slack.waitForResponseUrlPost(id)) as Array<{ blocks: unknown[] }>;
    return renderBlocks(posted!.blocks);
  }

  async function lastGlobal(): Promise<StoredGlobal['global']> {
    const runs = await h.deps.repos.healthRuns.list<StoredGlobal>();
    return runs[0]!.results!.global; // newest first
  }

  it('lists resources whose binding row is gone, with the import that adopts them, and the pasted import adopts them', async () => {
    const lost = await seedBinding(h.deps, { name: 'lost', dids: ['+14155550300'], callerId: '+14155550300' });
    await h.deps.repos.bindings.delete('lost');

    const text = await check('orphans-1');
    expect(text).toContain('3 LiveKit resource(s) tagged as managed by SIP Ops belong to no binding');
    const finding = (await lastGlobal()).find((f) => f.check === 'livekit.orphaned-resources')!;
    const { inboundTrunkId, dispatchRuleId, outboundTrunkId } = lost.resources;
    expect(finding.evidence).toContain(
      `tagged "lost": inbound ${inboundTrunkId}, rule ${dispatchRuleId}, outbound ${outboundTrunkId}`,
    );

    // Paste the import the finding offers, as a user would.
    const offered = /\/sip-setup (import [^;]+);/.exec(finding.evidence)![1]!;
    expect(offered).toBe(`import lost inbound=${inboundTrunkId} rule=${dispatchRuleId} outbound=${outboundTrunkId}`);
    await h.client.command({
      command: '/sip-setup',
      text: offered,
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: 'adopt',
    });
    const adopted = await eventually(() => h.deps.repos.bindings.get('lost'));
    expect(adopted.resources).toEqual(lost.resources);

    await check('orphans-2');
    expect((await lastGlobal()).find((f) => f.check === 'livekit.orphaned-resources')?.evidence).toBeUndefined();
  });
});
