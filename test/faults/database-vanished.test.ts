import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { bindingForm, submitCreateForm } from '../support/binding-form';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => '203.0.113.7', recoveryRetryMs: 200 }),
];

/**
 * The database file deleted (or replaced) under the running service: SQLite keeps writing to the
 * unlinked inode, so without a check every change "succeeds" and is lost at the next start while its
 * LiveKit resources stay behind. Readiness must say so and changes must be refused before LiveKit.
 */
describe('fault: the database file vanishes while running', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features });
  });
  afterEach(async () => h.stop());
  const dbFile = () => join(h.dataDir, 'sip-ops.db');

  async function refusedCreate(re: RegExp): Promise<void> {
    const creates = () =>
      ['CreateSIPInboundTrunk', 'CreateSIPOutboundTrunk', 'CreateSIPDispatchRule'].map((m) => h.livekit.countCalls(m));
    const before = creates();
    const f = bindingForm();
    const res = await submitCreateForm(h.client, f, {});
    expect(res.body).toEqual({ response_action: 'clear' });
    const text = await eventually(
      () =>
        h.slack
          .topLevel(OPS_CHANNEL)
          .map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])))
          .find((t) => /did not start/.test(t)),
      8000,
      'the refusal message',
    );
    expect(text).toMatch(re);
    expect(text).toMatch(/Nothing was changed in LiveKit/);
    // the form's conflict check reads LiveKit; nothing is written
    expect(creates()).toEqual(before);
    expect(h.livekit.inboundTrunks()).toEqual([]);
  }

  it('deleted: /readyz is not ready and a create is refused with nothing created in LiveKit', async () => {
    expect((await fetch(`${h.base}/readyz`)).status).toBe(200);
    unlinkSync(dbFile());
    const ready = await fetch(`${h.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual([
      expect.stringMatching(/^database: the database file .* was deleted or moved/),
    ]);
    await refusedCreate(/was deleted or moved while SIP Ops was running/);
  });

  it('replaced by another file: /readyz is not ready and changes are refused', async () => {
    renameSync(dbFile(), `${dbFile()}.old`);
    writeFileSync(dbFile(), '');
    const ready = await fetch(`${h.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual([
      expect.stringMatching(/^database: the database file .* was replaced/),
    ]);
    await refusedCreate(/was replaced while SIP Ops was running/);
  });
});
