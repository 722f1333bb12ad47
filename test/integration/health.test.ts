import { getTasks } from 'node-cron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binding } from '../../src/domain/binding';
import type { DnsResolver, OptionsProbeResult, OptionsProber, OptionsTarget } from '../../src/domain/probes';
import type { AppDeps } from '../../src/features/feature';
import {
  META_LAST_SCHEDULED,
  healthFeature,
  performHealthRun,
  type HealthFeature,
  type HealthOptions,
} from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { renderMessage as renderMsg, renderBlocks as renderRaw } from '../support/slack-render';
import { appHomeOpened } from '../support/slack-request';
import type { SlackMessage } from '../support/slack-standin';

/** What Slack shows, without the bold/italic markers. */
const renderMessage = (args: Record<string, unknown>): string => renderMsg(args).replace(/[*]/g, '');
const renderBlocks = (blocks: unknown): string => renderRaw(blocks).replace(/[*]/g, '');

const LIST_METHODS = ['ListSIPInboundTrunk', 'ListSIPOutboundTrunk', 'ListSIPDispatchRule'];

/** The network the tests pretend: every host resolves; OPTIONS answers 200 unless the host is listed in `down`. */
function fakeNetwork() {
  const down = new Set<string>();
  const probed: OptionsTarget[] = [];
  const resolver: DnsResolver = async () => ({ ok: true, addresses: ['192.0.2.10'] });
  const prober: OptionsProber = async (t): Promise<OptionsProbeResult> => {
    probed.push(t);
    return down.has(t.host)
      ? { kind: 'timeout', ms: 2000 }
      : { kind: 'response', status: 200, reason: 'OK', rttMs: 4, server: 'fake-sip' };
  };
  return { down, probed, resolver, prober };
}

function listCalls(h: Harness): number {
  return LIST_METHODS.reduce((n, m) => n + h.livekit.countCalls(m), 0);
}

function buttonIds(m: SlackMessage | undefined): string[] {
  return ((m?.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id?: string }> }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? ''));
}

function runAgainValue(m: SlackMessage | undefined): string {
  const blocks = (m?.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>;
  return blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'health_run_again')?.value ?? '';
}

interface Started {
  h: Harness;
  health: HealthFeature;
}

async function start(
  opts: { now?: () => Date; dataDir?: string; env?: Record<string, string | undefined>; health?: HealthOptions } = {},
): Promise<Started> {
  let health: HealthFeature | undefined;
  const h = await startHarness({
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    features: (deps: AppDeps) => [
      sipSetupFeature(deps),
      (health = healthFeature(deps, { threadPaceMs: 0, schedule: false, ...opts.health })),
    ],
  });
  return { h, health: health! };
}

describe('health checks: scheduled summary, alerts, commands, App Home', () => {
  let h: Harness;
  let health: HealthFeature;
  let clock = new Date('2024-05-02T09:00:00Z');
  const net = fakeNetwork();
  let alpha: Binding;
  let bravo: Binding;

  beforeAll(async () => {
    ({ h, health } = await start({ now: () => clock, health: { prober: net.prober, resolver: net.resolver } }));
    alpha = await seedBinding(h.deps, { name: 'alpha', reportChannel: SUPPORT_CHANNEL });
    bravo = await seedBinding(h.deps, {
      name: 'bravo',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'bravo.pstn.sinch.com',
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('the scheduled run posts a summary with a headline, a line per binding and Run again; a broken binding gets a thread and an alert', async () => {
    const first = await health.runScheduled();
    expect(first.trigger).toBe('schedule');
    expect(first.firstRun).toBe(true);
    let top = h.slack.topLevel(OPS_CHANNEL);
    expect(top).toHaveLength(1);
    const summary1 = renderMessage(top[0]!.args);
    expect(summary1).toContain('SIP health · 2 bindings: 2 pass');
    expect(summary1).toContain('✅ alpha');
    expect(summary1).toContain('✅ bravo');
    expect(summary1).toContain('Scheduled check · 2024-05-02 09:00 UTC');
    expect(buttonIds(top[0])).toEqual(['health_run_again']);
    expect(h.slack.thread(OPS_CHANNEL, top[0]!.ts).replies).toHaveLength(0);
    expect(h.slack.messages(SUPPORT_CHANNEL)).toHaveLength(0);
    expect(await h.deps.repos.meta.get(META_LAST_SCHEDULED)).toBe('2024-05-02T09:00:00.000Z');

    // Someone deletes bravo's dispatch rule with lk.
    const del = await h.deps.livekit.deleteDispatchRule(bravo.resources.dispatchRuleId!);
    expect(del.ok).toBe(true);
    clock = new Date('2024-05-03T09:00:00Z');
    const second = await health.runScheduled();
    expect(second.diff.newFailures).toEqual(['bravo']);
    expect(second.transitions).toEqual([{ binding: 'bravo', from: 'pass', to: 'fail' }]);

    top = h.slack.topLevel(OPS_CHANNEL);
    expect(top).toHaveLength(2);
    const summary2 = renderMessage(top[1]!.args);
    expect(summary2).toContain('SIP health · 2 bindings: 1 pass, 1 fail');
    expect(summary2).toContain(`❌ bravo (new) — Dispatch rule ${bravo.resources.dispatchRuleId} not found in LiveKit`);
    expect(summary2).toMatch(/❌ bravo[\s\S]*✅ alpha/); // failures first
    expect(summary2).toContain('Since the last run:');
    expect(summary2).toContain('new failure: bravo');
    expect(summary2).toContain('details of the 1 with problems in the thread');
    expect(buttonIds(top[1])).toEqual(['health_run_again']);

    const thread = h.slack.thread(OPS_CHANNEL, top[1]!.ts);
    expect(thread.replies).toHaveLength(1);
    const detail = renderMessage(thread.replies[0]!.args);
    expect(detail).toContain('❌ bravo: fail');
    expect(detail).toContain(`Dispatch rule ${bravo.resources.dispatchRuleId} not found in LiveKit`);
    expect(detail).toContain('Next: Run /sip-setup bravo and save to re-create it.');
    expect(detail).toContain('Routes (where a call to each DID goes):');

    const alerts = h.slack.messages(SUPPORT_CHANNEL);
    expect(alerts).toHaveLength(1);
    const alert = renderMessage(alerts[0]!.args);
    expect(alert).toContain('SIP binding `bravo` is failing (it was pass)');
    expect(alert).toContain('Next: Run /sip-setup bravo and save to re-create it.');
    expect(buttonIds(alerts[0])).toEqual(['health_check_binding']);

    const runs = await h.deps.repos.healthRuns.list<{
      scope: string;
      bindings: Array<{ name: string; status: string; findings: Array<{ check: string }> }>;
    }>();
    expect(runs.map((r) => r.trigger)).toEqual(['schedule', 'schedule']);
    expect(runs[0]!.finishedAt).toBe('2024-05-03T09:00:00.000Z');
    expect(runs[0]!.results?.scope).toBe('all');
    expect(runs[0]!.results?.bindings.find((b) => b.name === 'bravo')).toMatchObject({
      status: 'fail',
      findings: expect.arrayContaining([expect.objectContaining({ check: 'dispatch-rule.exists' })]),
    });
    expect(JSON.parse((await h.deps.repos.meta.get('health.status-map'))!)).toEqual({ alpha: 'pass', bravo: 'fail' });
  });

  it('a recovery is announced in the report channel too', async () => {
    const charlie = await seedBinding(h.deps, {
      name: 'charlie',
      reportChannel: SUPPORT_CHANNEL,
      livekitSipHost: 'sip.charlie.example',
    });
    net.down.add('sip.charlie.example');
    const before = h.slack.messages(SUPPORT_CHANNEL).length;
    const broken = await health.checkBinding(charlie.name);
    expect(broken.report.bindings.map((b) => [b.name, b.status])).toEqual([['charlie', 'fail']]);
    // First time charlie is seen: no transition yet.
    expect(broken.transitions).toEqual([]);
    net.down.delete('sip.charlie.example');
    const fixed = await health.checkBinding(charlie.name);
    expect(fixed.transitions).toEqual([{ binding: 'charlie', from: 'fail', to: 'pass' }]);
    const msgs = await eventually(() =>
      h.slack.messages(SUPPORT_CHANNEL).length > before ? h.slack.messages(SUPPORT_CHANNEL) : undefined,
    );
    expect(renderMessage(msgs[msgs.length - 1]!.args)).toContain(
      'SIP binding `charlie` recovered: now pass (it was failing)',
    );
    await h.deps.repos.bindings.delete('charlie');
  });

  it("/sip-setup check <name> acks at once and answers with that binding's findings", async () => {
    const res = await h.client.command({
      command: '/sip-setup',
      text: 'check bravo',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: 'check-bravo',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_type: 'ephemeral', text: '⏳ Running checks for `bravo`…' });
    const [posted] = (await h.slack.waitForResponseUrlPost('check-bravo')) as Array<{
      replace_original: boolean;
      response_type: string;
      blocks: unknown[];
    }>;
    expect(posted).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
    const text = renderBlocks(posted!.blocks);
    expect(text).toContain('❌ bravo: fail');
    expect(text).toContain('Next: Run /sip-setup bravo and save to re-create it.');
    expect(text).not.toContain('alpha');
    expect(text).toContain('[Check again]');
  });

  it('/sip-setup check (all) answers with the summary; an unknown name is refused at once', async () => {
    const res = await h.client.command({
      command: '/sip-setup',
      text: 'check',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
      response_id: 'check-all',
    });
    expect(res.body).toEqual({ response_type: 'ephemeral', text: '⏳ Running checks on every binding…' });
    const [posted] = (await h.slack.waitForResponseUrlPost('check-all')) as Array<{ blocks: unknown[] }>;
    const text = renderBlocks(posted!.blocks);
    expect(text).toContain('2 bindings: 1 pass, 1 fail');
    expect(text).toContain('Manual check');
    expect(text).toContain('/sip-setup check <name>');
    const nope = await h.client.command({
      command: '/sip-setup',
      text: 'check nosuch',
      user_id: ADMIN_USER,
      channel_id: OPS_CHANNEL,
    });
    expect((nope.body as { text: string }).text).toContain('There is no binding named `nosuch`');
  });

  it('the health_check_binding button (put on messages by other features) answers the clicker privately', async () => {
    const res = await h.client.action({
      actionId: 'health_check_binding',
      value: JSON.stringify({ b: 'alpha', bi: alpha.id }),
      channel: SUPPORT_CHANNEL,
      responseUrl: h.slack.responseUrl('btn-alpha'),
    });
    expect(res.status).toBe(200);
    const [posted] = (await h.slack.waitForResponseUrlPost('btn-alpha')) as Array<{
      replace_original: boolean;
      response_type: string;
      blocks: unknown[];
    }>;
    expect(posted).toMatchObject({ replace_original: false, response_type: 'ephemeral' });
    expect(renderBlocks(posted!.blocks)).toContain('✅ alpha: pass');
  });

  it('Run again posts a new summary in the summary channel', async () => {
    const before = h.slack.topLevel(OPS_CHANNEL).length;
    const value = runAgainValue(h.slack.topLevel(OPS_CHANNEL)[before - 1]);
    expect(JSON.parse(value)).toEqual({ r: expect.any(String) });
    const res = await h.client.action({
      actionId: 'health_run_again',
      value,
      channel: OPS_CHANNEL,
      responseUrl: h.slack.responseUrl('again'),
    });
    expect(res.status).toBe(200);
    const top = await eventually(() =>
      h.slack.topLevel(OPS_CHANNEL).length > before ? h.slack.topLevel(OPS_CHANNEL) : undefined,
    );
    const text = renderMessage(top[top.length - 1]!.args);
    expect(text).toContain('2 bindings: 1 pass, 1 fail');
    expect(text).toContain(`Manual check`);
    expect(text).toContain(`by @${ADMIN_USER}`);
    const [ephemeral] = (await h.slack.waitForResponseUrlPost('again')) as Array<{ text: string }>;
    expect(ephemeral!.text).toContain('Running every check again');
  });

  it('App Home: every binding with its last status and its last test call', async () => {
    await h.deps.repos.calls.insert({
      id: 'call-1',
      direction: 'test',
      bindingName: 'alpha',
      startedAt: '2024-05-03T08:30:00.000Z',
      outcome: 'answered',
      callee: '+14155550123',
      sipStatus: 200,
    });
    const res = await h.client.event(appHomeOpened(ADMIN_USER));
    expect(res.status).toBe(200);
    const view = await eventually(() => h.slack.homeView(ADMIN_USER));
    expect(view.view.type).toBe('home');
    const text = renderBlocks(view.view.blocks);
    expect(text).toContain('Last check:');
    expect(text).toMatch(/✅ alpha · pass at 2024-05-03 09:00 UTC/);
    expect(text).toContain('last test call 2024-05-03 08:30 UTC to `+14155550123`: ✅ answered, SIP 200');
    expect(text).toContain('❌ bravo');
    expect(text).toContain(`Dispatch rule ${bravo.resources.dispatchRuleId} not found in LiveKit`);
    expect(text).toContain('[Run all checks] [New binding]');
    expect((view.view.blocks as unknown[]).length).toBeLessThanOrEqual(100);
  });

  it('runs never overlap: a run requested while one is going joins it', async () => {
    const runs = h.deps.repos.healthRuns;
    const rowsBefore = (await runs.list(100)).length;
    const listBefore = listCalls(h);
    const postsBefore = h.slack.topLevel(OPS_CHANNEL).length;
    h.livekit.setLatency(300);
    try {
      const a = health.runScheduled();
      expect(health.busy).toBe(true);
      const b = health.runScheduled();
      const c = health.runAll('manual');
      const d = health.checkBinding('alpha');
      const [ra, rb, rc, rd] = await Promise.all([a, b, c, d]);
      expect(new Set([ra.id, rb.id, rc.id, rd.id]).size).toBe(1);
    } finally {
      h.livekit.setLatency(0);
    }
    expect(health.busy).toBe(false);
    expect(listCalls(h) - listBefore).toBe(3);
    expect((await runs.list(100)).length - rowsBefore).toBe(1);
    expect(h.slack.topLevel(OPS_CHANNEL).length - postsBefore).toBe(1);
  });

  it('LiveKit list calls per run do not grow with the number of bindings (1 vs 20)', async () => {
    const measure = async (): Promise<number> => {
      const before = listCalls(h);
      const run = await health.runAll('manual');
      expect(run.livekitCalls).toBe(3);
      return listCalls(h) - before;
    };
    await h.deps.repos.bindings.delete('bravo');
    const withOne = await measure();
    for (let i = 0; i < 19; i++) await seedBinding(h.deps, { name: `many-${i}` });
    expect(await h.deps.repos.bindings.count()).toBe(20);
    const withTwenty = await measure();
    expect(withOne).toBe(3);
    expect(withTwenty).toBe(3);
    // Each distinct OPTIONS target probed once: the 19 share trunk domain and SIP host.
    net.probed.length = 0;
    const result = await performHealthRun(h.deps, { prober: net.prober, resolver: net.resolver });
    expect(result).toMatchObject({
      livekitCalls: 3,
      livekitCallsByMethod: { listInboundTrunks: 1, listOutboundTrunks: 1, listDispatchRules: 1 },
      bindingCount: 20,
    });
    expect(result.report.bindings).toHaveLength(20);
    expect(result.optionsProbes).toBe(2);
    expect(net.probed).toHaveLength(2);
    expect(result.wallMs).toBeGreaterThanOrEqual(0);
    void alpha;
  });

  it('LiveKit down: every binding fails with the reason, the run still finishes', async () => {
    await h.livekit.setAvailable(false);
    try {
      const run = await health.runAll('manual');
      expect(run.report.global.find((f) => f.check === 'livekit.api')?.status).toBe('fail');
      expect(run.report.bindings.every((b) => b.status === 'fail')).toBe(true);
    } finally {
      await h.livekit.setAvailable(true);
    }
  });
});

describe('health checks: schedule bookkeeping across restarts', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sip-ops-health-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startAt(iso: string, env?: Record<string, string | undefined>): Promise<Started> {
    const t = new Date(iso);
    const net = fakeNetwork();
    return start({
      now: () => t,
      dataDir,
      health: { prober: net.prober, resolver: net.resolver },
      ...(env ? { env } : {}),
    });
  }

  it('makes up a run missed while the service was down, once, at start', async () => {
    // First start: remembers "now" as the baseline, runs nothing.
    let s = await startAt('2024-05-02T10:00:00Z');
    expect(s.health.startupRun).toBeUndefined();
    expect(await s.h.deps.repos.meta.get(META_LAST_SCHEDULED)).toBe('2024-05-02T10:00:00.000Z');
    await s.h.stop();

    // Down 10:00 → 12:00: the 09:00 schedule did not fire in between.
    s = await startAt('2024-05-02T12:00:00Z');
    expect(s.health.startupRun).toBeUndefined();
    expect(s.h.slack.messages()).toHaveLength(0);
    await s.h.stop();

    // Down across 3 May 09:00: made up at start.
    s = await startAt('2024-05-03T10:00:00Z');
    expect(s.health.startupRun).toBeDefined();
    const run = await s.health.startupRun!;
    expect(run.trigger).toBe('startup');
    const top = s.h.slack.topLevel(OPS_CHANNEL);
    expect(top).toHaveLength(1);
    expect(renderMessage(top[0]!.args)).toContain(
      'Make-up check (the scheduled one was missed while SIP Ops was down) · 2024-05-03 10:00 UTC',
    );
    expect(await s.h.deps.repos.meta.get(META_LAST_SCHEDULED)).toBe('2024-05-03T10:00:00.000Z');
    const runs = await s.h.deps.repos.healthRuns.list();
    expect(runs.map((r) => r.trigger)).toEqual(['startup']);
    await s.h.stop();

    // Restarted again an hour later: nothing missed, nothing run.
    s = await startAt('2024-05-03T11:00:00Z');
    expect(s.health.startupRun).toBeUndefined();
    expect(s.h.slack.messages()).toHaveLength(0);
    await s.h.stop();
  });

  it('registers the node-cron job with SUMMARY_CRON and SUMMARY_TZ, and removes it on stop', async () => {
    const s = await start({
      env: { SUMMARY_CRON: '*/5 * * * *', SUMMARY_TZ: 'Europe/Berlin' },
      health: { schedule: true },
    });
    const ours = () => [...getTasks().values()].filter((t) => t.name === 'sip-ops-health-summary');
    try {
      expect(ours().map((t) => t.getPattern())).toEqual(['*/5 * * * *']);
      const next = ours()[0]!.getNextRun();
      expect(next).toBeInstanceOf(Date);
      expect(next!.getUTCMinutes() % 5).toBe(0);
    } finally {
      await s.h.stop();
    }
    expect(ours()).toHaveLength(0);
  });

  it('SUMMARY_CHANNEL unset: the run is stored, nothing is posted', async () => {
    const s = await startAt('2024-05-04T10:00:00Z', { SUMMARY_CHANNEL: undefined });
    try {
      // The 4 May 09:00 run was missed too (last run 3 May 11:00): made up, but not posted.
      const run = await s.health.startupRun!;
      expect(run.trigger).toBe('startup');
      expect(s.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
      const again = await s.health.runScheduled();
      expect(again.id).not.toBe(run.id);
      expect(s.h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    } finally {
      await s.h.stop();
    }
  });
});
