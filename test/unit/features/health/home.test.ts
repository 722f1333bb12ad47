import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import { homeRows, publishHome, type HomeDeps } from '../../../../src/features/health/home';
import { createRepos, openStore, type Store } from '../../../../src/store';
import { HealthStatusStore } from '../../../../src/store/health-status-store';
import { bindingSpec } from '../../../support/fixtures';
import { renderBlocks } from '../../../support/slack-render';
import { unitConfig } from './support';

describe('the Home tab', () => {
  let store: Store;
  let home: HomeDeps;

  beforeEach(async () => {
    store = await openStore(':memory:');
    const repos = createRepos(store);
    home = {
      deps: { repos, config: unitConfig() },
      statuses: new HealthStatusStore(repos.meta, pino({ level: 'silent' })),
    };
    for (const name of ['alpha', 'bravo', 'charlie']) await repos.bindings.insert(bindingSpec({ name }), {}, 'U1');
    await home.statuses.save(
      {
        alpha: { status: 'pass', at: '2024-05-03T09:00:00.000Z', runId: 'r1' },
        bravo: {
          status: 'fail',
          at: '2024-05-03T09:00:00.000Z',
          runId: 'r1',
          top: 'Dispatch rule SDR_b not found in LiveKit',
        },
      },
      undefined,
      new Date('2024-05-03T09:00:00Z'),
    );
    await repos.calls.insert({
      id: 'c1',
      direction: 'test',
      bindingName: 'alpha',
      startedAt: '2024-05-03T08:30:00.000Z',
      outcome: 'answered',
      callee: '+14155550123',
      sipStatus: 200,
    });
  });
  afterEach(async () => {
    await store.close();
  });

  it('a row per binding with its last known status and its last test call', async () => {
    expect(await homeRows(home)).toEqual([
      {
        name: 'alpha',
        id: (await home.deps.repos.bindings.get('alpha'))!.id,
        status: 'pass',
        checkedAt: '2024-05-03T09:00:00.000Z',
        lastTest: {
          startedAt: '2024-05-03T08:30:00.000Z',
          outcome: 'answered',
          callee: '+14155550123',
          sipStatus: 200,
        },
      },
      {
        name: 'bravo',
        id: (await home.deps.repos.bindings.get('bravo'))!.id,
        status: 'fail',
        checkedAt: '2024-05-03T09:00:00.000Z',
        top: 'Dispatch rule SDR_b not found in LiveKit',
      },
      { name: 'charlie', id: (await home.deps.repos.bindings.get('charlie'))!.id },
    ]);
  });

  it("publishes the view with the last finished run's headline; a run row without one is left out", async () => {
    const published: Array<{ user_id: string; view: { type: string; blocks: unknown[] } }> = [];
    const client = {
      views: { publish: async (args: (typeof published)[number]) => published.push(args) },
    } as unknown as WebClient;
    await home.deps.repos.healthRuns.start('r0', 'manual', new Date('2024-05-03T08:00:00Z'));
    await home.deps.repos.healthRuns.finish('r0', { error: 'LiveKit down' }, new Date('2024-05-03T08:00:01Z'));
    await publishHome(home, client, 'UADMIN01');
    expect(renderBlocks(published[0]!.view.blocks)).toContain('Last check:* none yet');

    await home.deps.repos.healthRuns.start('r1', 'schedule', new Date('2024-05-03T09:00:00Z'));
    await home.deps.repos.healthRuns.finish(
      'r1',
      { headline: '3 bindings: 1 pass, 1 fail' },
      new Date('2024-05-03T09:00:01Z'),
    );
    await publishHome(home, client, 'UADMIN01');
    expect(published[1]).toMatchObject({ user_id: 'UADMIN01', view: { type: 'home' } });
    const text = renderBlocks(published[1]!.view.blocks);
    expect(text).toContain('(scheduled check) · 3 bindings: 1 pass, 1 fail');
    expect(text).toContain('✅ *alpha* · pass at 2024-05-03 09:00 UTC');
    expect(text).toContain('▫️ *charlie* · not checked yet');
  });
});
