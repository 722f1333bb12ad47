import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCallFeature } from '../../src/features/test-call';
import { SUPPORT_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { seedBinding } from '../support/fixtures';

/**
 * The test-call guards live in the database: a user at the per-user limit is still refused after
 * the service restarts on the same database file.
 */

const TESTER = 'UTESTER1';
const features = (deps: Parameters<typeof testCallFeature>[0]) => [
  testCallFeature(deps, { holdMs: 50, limits: { perUser: { max: 2, windowMs: 10 * 60_000 }, trunkDomainGapMs: 0 } }),
];

describe('test-call guards across a restart', () => {
  let dataDir: string;
  let h: Harness | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sip-ops-guards-'));
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const command = async (harness: Harness, text: string): Promise<string> => {
    const res = await harness.client.command({
      command: '/sip-test-call',
      text,
      user_id: TESTER,
      channel_id: SUPPORT_CHANNEL,
    });
    expect(res.status).toBe(200);
    return (res.body as { text: string }).text;
  };

  it('a user at the per-user limit is refused after a restart on the same database', async () => {
    h = await startHarness({ dataDir, env: { TEST_CALL_USER_IDS: TESTER }, features });
    await seedBinding(h.deps, { name: 'acme-us', reportChannel: SUPPORT_CHANNEL });
    for (const n of ['+14156660001', '+14156660002']) {
      expect(await command(h, `acme-us ${n}`)).toContain('Placing a test call');
      const db = h.deps.store.db;
      await eventually(
        async () => (await db.selectFrom('test_call_inflight').select('binding_name').execute()).length === 0,
        8000,
        `the end of the call to ${n}`,
      );
    }
    await h.stop();

    h = await startHarness({ dataDir, env: { TEST_CALL_USER_IDS: TESTER }, features });
    const text = await command(h, 'acme-us +14156660003');
    expect(text).toMatch(/^🚫 You have placed 2 test calls in the last 10 min, the most allowed\./);
    expect(h.livekit.countCalls('CreateSIPParticipant')).toBe(0);
  });
});
