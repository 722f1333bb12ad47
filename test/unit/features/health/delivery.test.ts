import { WebClient } from '@slack/web-api';
import pino from 'pino';
import type { StatusTransition } from '../../../../src/domain/health-summary';
import type { AppDeps } from '../../../../src/features/feature';
import { HealthDelivery } from '../../../../src/features/health/delivery';
import { InflightWork } from '../../../../src/inflight';
import { chatOf, PacedNotifier } from '../../../../src/slack/paced-notifier';
import { createRepos, openStore, type Store } from '../../../../src/store';
import { bindingReport, healthReport } from '../../../support/builders';
import { bindingSpec } from '../../../support/fixtures';
import { SlackStandIn } from '../../../support/slack-standin';
import { healthRunOf, SUMMARY_CHANNEL, unitConfig } from './support';

const REPORTS = 'CREPORTS1';
const OTHER = 'COTHER001';

describe('HealthDelivery', () => {
  let slack: SlackStandIn;
  let store: Store;
  let deps: Pick<AppDeps, 'repos' | 'config' | 'inflight'>;
  let stopped: boolean;

  function delivery(env: Record<string, string | undefined> = {}): HealthDelivery {
    const client = new WebClient('xoxb-unit-test', {
      slackApiUrl: slack.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    const notifier = new PacedNotifier({ chat: chatOf(client), intervalMs: 0 });
    return new HealthDelivery({
      deps: { ...deps, config: unitConfig(env) },
      logger: pino({ level: 'silent' }),
      notifier: () => notifier,
      stopped: () => stopped,
    });
  }

  beforeAll(async () => {
    slack = await SlackStandIn.start();
  });
  afterAll(async () => {
    await slack.stop();
  });
  beforeEach(async () => {
    slack.reset();
    stopped = false;
    store = await openStore(':memory:');
    deps = { repos: createRepos(store), config: unitConfig(), inflight: new InflightWork() };
  });
  afterEach(async () => {
    await deps.inflight.drain(1000);
    await store.close();
  });

  it('posts the summary once per run, with a thread reply per binding with problems', async () => {
    const d = delivery();
    const run = healthRunOf(
      healthReport([bindingReport('alpha', 'pass'), bindingReport('bravo', 'fail'), bindingReport('charlie', 'warn')]),
    );
    const first = d.deliverSummary(run);
    expect(d.deliverSummary(run)).toBe(first);
    await first;
    await d.deliverSummary(run, { channel: OTHER });
    const top = slack.topLevel(SUMMARY_CHANNEL);
    expect(top.map((m) => m.text)).toEqual(['SIP health: 3 bindings: 1 pass, 1 warn, 1 fail']);
    expect(slack.thread(SUMMARY_CHANNEL, top[0]!.ts).replies.map((r) => r.text)).toEqual([
      '❌ bravo: fail',
      '⚠️ charlie: warn',
    ]);
    expect(slack.messages(OTHER)).toHaveLength(0);
  });

  it('no summary channel: nothing is posted; a channel given for the run is used', async () => {
    const d = delivery({ SUMMARY_CHANNEL: undefined });
    await d.deliverSummary(healthRunOf(healthReport([bindingReport('alpha', 'pass')])));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    await d.deliverSummary(healthRunOf(healthReport([bindingReport('alpha', 'pass')]), { id: 'run-2' }), {
      channel: OTHER,
      requestedBy: 'UADMIN01',
    });
    expect(slack.topLevel(OTHER)).toHaveLength(1);
  });

  it('shutting down: the summary is posted, its thread is cut short', async () => {
    stopped = true;
    const d = delivery();
    await d.deliverSummary(healthRunOf(healthReport([bindingReport('bravo', 'fail')])));
    const top = slack.topLevel(SUMMARY_CHANNEL);
    expect(top).toHaveLength(1);
    expect(slack.thread(SUMMARY_CHANNEL, top[0]!.ts).replies).toHaveLength(0);
  });

  it('a rate-limited post is sent again after Retry-After', async () => {
    slack.script('chat.postMessage', { status: 429, retryAfter: 0 }, 1);
    const d = delivery();
    await d.deliverSummary(healthRunOf(healthReport([bindingReport('alpha', 'pass')])));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(slack.topLevel(SUMMARY_CHANNEL)).toHaveLength(1);
  });

  it("alerts go to each binding's report channel, folded into one message past three", async () => {
    const names = ['a1', 'a2', 'a3', 'a4'];
    for (const name of names) await deps.repos.bindings.insert(bindingSpec({ name, reportChannel: REPORTS }), {}, 'U1');
    await deps.repos.bindings.insert(bindingSpec({ name: 'b1', reportChannel: OTHER }), {}, 'U1');
    await deps.repos.bindings.insert(bindingSpec({ name: 'quiet', reportChannel: '' }), {}, 'U1');
    const transitions: StatusTransition[] = [...names, 'b1', 'quiet'].map((binding) => ({
      binding,
      from: 'pass',
      to: 'fail',
    }));
    const run = healthRunOf(healthReport([...names, 'b1', 'quiet'].map((n) => bindingReport(n, 'fail'))), {
      transitions,
    });
    const d = delivery();
    d.alertTransitions(run);
    await d.alertsOf(run.id);
    expect(slack.messages(REPORTS).map((m) => m.text)).toEqual(['4 SIP bindings changed status']);
    expect(slack.messages(OTHER).map((m) => m.text)).toEqual(['SIP binding b1 is failing']);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('a run without transitions sends no alert', async () => {
    const d = delivery();
    const run = healthRunOf(healthReport([bindingReport('alpha', 'fail')]));
    d.alertTransitions(run);
    await d.alertsOf(run.id);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
