/**
 * The database file is locked by another process (a backup, a second instance): a binding change
 * either does not start, or stops and is rolled back once the database is writable again.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import type { AppDeps } from '../../src/features/feature';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { OPS_CHANNEL, eventually, startHarness, type Harness } from '../support/app-harness';
import { plainBindingForm, submitCreateForm } from '../support/binding-form';
import { renderBlocks, unescapeSlack } from '../support/slack-render';

// Each write against the lock waits out SQLite's busy timeout (5 s); the bound is a safety net for a busy machine.
jest.setTimeout(90_000);

const features = (deps: AppDeps) => [
  sipSetupFeature(deps, { lookupIpv4: async () => undefined, recoveryRetryMs: 300 }),
];

function submit(h: Harness, name: string) {
  return submitCreateForm(h.client, plainBindingForm({ name }));
}

function lockDatabase(h: Harness): () => void {
  const other = new BetterSqlite3(join(h.dataDir, 'sip-ops.db'));
  other.exec('BEGIN EXCLUSIVE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

const texts = (h: Harness) => h.slack.topLevel(OPS_CHANNEL).map((m) => unescapeSlack(renderBlocks(m.blocks ?? [])));

describe('fault: the database file is locked', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ features });
  });
  afterEach(async () => h.stop());

  it('locked before the change: it does not start, LiveKit is untouched, and it works once unlocked', async () => {
    const unlock = lockDatabase(h);
    try {
      const res = await submit(h, 'acme-us');
      expect(res.body).toEqual({ response_action: 'clear' });
      const msg = await eventually(() => texts(h).find((t) => /did not start/.test(t)), 25_000, 'the refusal');
      expect(msg).toMatch(/database is locked/);
      expect(msg).toMatch(/Nothing was changed/);
      expect(h.livekit.countCalls('CreateSIPInboundTrunk')).toBe(0);
    } finally {
      unlock();
    }
    await submit(h, 'acme-us');
    await eventually(() => texts(h).some((t) => /Binding .acme-us. created/.test(t)), 25_000, 'the create');
    expect(h.livekit.inboundTrunks()).toHaveLength(1);
  });

  it('locked in the middle of a change: it stops, and the rollback runs once the database is writable', async () => {
    // LiveKit answers the first step only once the database is locked: its result cannot be journaled.
    let answer = (): void => undefined;
    h.livekit.failNext('CreateSIPInboundTrunk', { answerWhen: new Promise<void>((resolve) => (answer = resolve)) });
    const res = await submit(h, 'acme-us');
    expect(res.body).toEqual({ response_action: 'clear' });
    await eventually(() => h.livekit.countCalls('CreateSIPInboundTrunk') === 1, 25_000, 'the first LiveKit step');
    const unlock = lockDatabase(h);
    answer();
    let unlocked = false;
    try {
      // The step answers, but its result cannot be journaled: the change stops. Each write to the locked
      // file waits SQLite's 5 s busy timeout first, so a loaded machine needs a wider bound than the others.
      await eventually(() => texts(h).some((t) => /stopped by an error/.test(t)), 60_000, 'the stop');
      expect(await h.deps.repos.bindings.get('acme-us')).toBeUndefined();
      unlock();
      unlocked = true;
      await eventually(
        async () => (await h.deps.repos.journal.listFor('acme-us'))[0]?.state === 'rolled_back',
        25_000,
        'the rollback',
      );
      expect(h.livekit.inboundTrunks()).toHaveLength(0);
      expect(h.livekit.dispatchRules()).toHaveLength(0);
      expect(h.livekit.outboundTrunks()).toHaveLength(0);
    } finally {
      if (!unlocked) unlock();
    }
  }, 150_000);
});
