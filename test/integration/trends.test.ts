/**
 * Issue 19 wired end to end: the trend chart in the daily summary's thread (and the note when it
 * cannot be drawn), the "30-day chart" button on `/sip-setup show` and the App Home, the calls
 * export by command and over HTTP. Real Bolt app, signed requests, the Slack stand-in's upload flow.
 */
import { ChartRenderer } from '../../src/charts';
import type { Binding } from '../../src/domain/binding';
import type { DnsResolver, OptionsProber } from '../../src/domain/probes';
import { summaryChartOption } from '../../src/features';
import type { AppDeps } from '../../src/features/feature';
import { healthFeature, type HealthFeature } from '../../src/features/health';
import { sipSetupFeature } from '../../src/features/sip-setup';
import { trendsFeature } from '../../src/features/trends';
import { HOME_BINDING_ACTION, TREND_CHART_ACTION } from '../../src/slack/action-ids';
import {
  ADMIN_USER,
  OPS_CHANNEL,
  SUPPORT_CHANNEL,
  eventually,
  startHarness,
  type Harness,
} from '../support/app-harness';
import { seedBinding } from '../support/fixtures';
import { appHomeOpened, homeMenuChoice } from '../support/slack-request';
import { dmChannelOf } from '../support/slack-standin';

const EXPORT_TOKEN = 'export-token-0123456789abcdef';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OTHER_USER = 'UOTHER001';
/** A cold chart worker loads ECharts through tsx first: several seconds on a busy machine. */
const RENDER_WAIT_MS = 60_000;
const resolver: DnsResolver = async () => ({ ok: true, addresses: ['192.0.2.10'] });
const prober: OptionsProber = async () => ({
  kind: 'response',
  status: 200,
  reason: 'OK',
  rttMs: 4,
  server: 'fake-sip',
});

const clock = new Date('2024-05-03T09:00:00Z');

async function start(env: Record<string, string | undefined>): Promise<{ h: Harness; health: HealthFeature }> {
  let health: HealthFeature | undefined;
  const h = await startHarness({
    now: () => clock,
    env,
    features: (deps: AppDeps) => [
      sipSetupFeature(deps),
      (health = healthFeature(deps, {
        threadPaceMs: 0,
        schedule: false,
        prober,
        resolver,
        ...summaryChartOption(deps),
      })),
      trendsFeature(deps),
    ],
  });
  return { h, health: health! };
}

async function seedCalls(h: Harness, binding: string): Promise<void> {
  await h.deps.repos.calls.insert({
    id: `in-${binding}`,
    direction: 'inbound',
    bindingName: binding,
    caller: 'sip_+14155550123',
    callee: '+442071234567',
    startedAt: '2024-05-02T10:00:00.000Z',
    answeredAt: '2024-05-02T10:00:01.500Z',
    endedAt: '2024-05-02T10:03:00.000Z',
    agentJoined: true,
    setupMs: 1500,
    durationMs: 178_500,
    outcome: 'completed',
    slackChannel: SUPPORT_CHANNEL,
    slackTs: '1714644000.000100',
    detail: { authPassword: 'hunter2-digest-secret', note: 'stored detail' },
  });
  await h.deps.repos.calls.insert({
    id: `test-${binding}`,
    direction: 'test',
    bindingName: binding,
    actor: ADMIN_USER,
    callee: '+14155550199',
    startedAt: '2024-05-03T08:00:00.000Z',
    sipStatus: 486,
    outcome: 'busy',
  });
}

/** Files shared into `channel` (optionally a thread), with their bytes. */
function sharedFiles(h: Harness, channel: string, threadTs?: string) {
  return h.slack.files
    .all()
    .filter(
      (f) => f.completed && f.share?.channel === channel && (threadTs === undefined || f.share.threadTs === threadTs),
    );
}

describe('trends: summary chart, chart buttons, calls export', () => {
  let h: Harness;
  let health: HealthFeature;
  let alpha: Binding;

  beforeAll(async () => {
    ({ h, health } = await start({ EXPORT_TOKEN, SUMMARY_TREND_DAYS: '7' }));
    alpha = await seedBinding(h.deps, { name: 'alpha', reportChannel: SUPPORT_CHANNEL });
    await seedBinding(h.deps, { name: 'bravo', reportChannel: SUPPORT_CHANNEL, trunkDomain: 'bravo.pstn.sinch.com' });
    await seedCalls(h, 'alpha');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts the summary, then uploads the 7-day chart into its thread (getUploadURLExternal → bytes → complete)', async () => {
    h.slack.reset();
    await health.runScheduled();
    const [summary] = h.slack.topLevel(OPS_CHANNEL);
    expect(summary).toBeDefined();
    const methods = h.slack.calls.map((c) => c.method);
    const get = methods.indexOf('files.getUploadURLExternal');
    expect(methods.indexOf('chat.postMessage')).toBeLessThan(get);
    expect(methods.slice(get, get + 3)).toEqual([
      'files.getUploadURLExternal',
      expect.stringMatching(/^upload:F/),
      'files.completeUploadExternal',
    ]);
    const [file] = sharedFiles(h, OPS_CHANNEL, summary!.ts);
    expect(file).toBeDefined();
    expect(file!.bytes!.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(file!.bytes!.readUInt32BE(16)).toBe(960); // IHDR width: 480 logical px at 2×
    expect(file!.title).toBe('SIP trends: last 7 days (UTC)');
    expect(file!.altText).toContain('alpha');
    expect(file!.altText).toContain('bravo');
    // The thread holds no failure note.
    expect(
      h.slack
        .thread(OPS_CHANNEL, summary!.ts)
        .replies.map((r) => r.text)
        .join('\n'),
    ).not.toContain('No trend chart');
  });

  it('a chart that cannot be drawn leaves the summary intact and says so in the thread', async () => {
    h.slack.reset();
    const working = h.deps.charts;
    if (!working) throw new Error('the service builds a chart renderer');
    const failing = new ChartRenderer({ timeoutMs: 1 });
    h.deps.charts = failing;
    clock.setUTCDate(clock.getUTCDate() + 1);
    try {
      await health.runScheduled();
    } finally {
      h.deps.charts = working;
      await failing.close();
    }
    const [summary] = h.slack.topLevel(OPS_CHANNEL);
    expect(summary!.text).toContain('2 bindings');
    const replies = h.slack.thread(OPS_CHANNEL, summary!.ts).replies.map((r) => r.text);
    expect(replies).toContain(
      '📉 No trend chart this time: the chart could not be drawn (timeout). The summary above is complete.',
    );
    expect(h.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('/sip-setup show <name> has a "30-day chart" button carrying the binding id; pressing it sends the chart to the presser privately', async () => {
    h.slack.reset();
    await h.client.command('/sip-setup', 'show alpha', {
      user_id: OTHER_USER,
      response_url: h.slack.responseUrl('show'),
    });
    const posts = (await h.slack.waitForResponseUrlPost('show')) as Array<{
      blocks?: Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
    }>;
    const buttons = (posts[0]!.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
    expect(buttons).toContainEqual(expect.objectContaining({ action_id: TREND_CHART_ACTION, value: alpha.id }));

    await h.client.action({
      actionId: TREND_CHART_ACTION,
      value: alpha.id,
      user: OTHER_USER,
      channel: SUPPORT_CHANNEL,
      responseUrl: h.slack.responseUrl('chart'),
    });
    const dm = dmChannelOf(OTHER_USER);
    const [file] = await eventually(
      () => (sharedFiles(h, dm).length ? sharedFiles(h, dm) : undefined),
      RENDER_WAIT_MS,
      'the file in the DM',
    );
    expect(file!.filename).toMatch(/^alpha-\d{4}-\d{2}-\d{2}-30d\.png$/);
    expect(file!.bytes!.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(h.slack.messages(dm)[0]!.text).toContain('alpha: last 30 days');
    // Nothing was shared anywhere else.
    expect(h.slack.files.all().filter((f) => f.share && f.share.channel !== dm)).toHaveLength(0);
  });

  it('App Home chart button: the "30-day chart" option of a binding\'s menu sends that chart to the user privately', async () => {
    await h.client.event(appHomeOpened(OTHER_USER));
    const home = await eventually(() => h.slack.homeView(OTHER_USER));
    const menu = (
      home.view.blocks as Array<{
        accessory?: { action_id: string; options: Array<{ text: { text: string }; value: string }> };
      }>
    )
      .map((b) => b.accessory)
      .find((a) => a?.action_id === HOME_BINDING_ACTION && a.options.some((o) => o.value.endsWith(alpha.id)));
    const chart = menu!.options.find((o) => o.text.text === '30-day chart');
    expect(chart).toBeDefined();
    h.slack.reset();

    const res = await h.client.interactive(
      homeMenuChoice({ actionId: HOME_BINDING_ACTION, value: chart!.value, viewId: home.id, user: OTHER_USER }),
    );
    expect(res.status).toBe(200);
    const dm = dmChannelOf(OTHER_USER);
    const [file] = await eventually(
      () => (sharedFiles(h, dm).length ? sharedFiles(h, dm) : undefined),
      RENDER_WAIT_MS,
      'the file in the DM',
    );
    const methods = h.slack.calls.map((c) => c.method);
    const get = methods.indexOf('files.getUploadURLExternal');
    expect(get).toBeGreaterThanOrEqual(0);
    expect(methods.slice(get, get + 3)).toEqual([
      'files.getUploadURLExternal',
      expect.stringMatching(/^upload:F/),
      'files.completeUploadExternal',
    ]);
    expect(file!.filename).toMatch(/^alpha-\d{4}-\d{2}-\d{2}-30d\.png$/);
    expect(file!.bytes!.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(h.slack.messages(dm)[0]!.text).toContain('alpha: last 30 days');
    // Private: shared to the user's DM only; the health feature's menu handler did nothing (no Home republish, no check run).
    expect(h.slack.files.all().filter((f) => f.share && f.share.channel !== dm)).toHaveLength(0);
    expect(h.slack.callsTo('views.publish')).toHaveLength(0);
  });

  it('a chart button of a binding deleted and re-created under the same name is refused', async () => {
    h.slack.reset();
    const old = await seedBinding(h.deps, {
      name: 'charlie',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'charlie.pstn.sinch.com',
    });
    await h.deps.repos.bindings.delete('charlie');
    const again = await seedBinding(h.deps, {
      name: 'charlie',
      reportChannel: SUPPORT_CHANNEL,
      trunkDomain: 'charlie2.pstn.sinch.com',
    });
    expect(again.id).not.toBe(old.id);
    await h.client.action({
      actionId: TREND_CHART_ACTION,
      value: old.id,
      user: OTHER_USER,
      channel: SUPPORT_CHANNEL,
      responseUrl: h.slack.responseUrl('stale'),
    });
    const [reply] = (await h.slack.waitForResponseUrlPost('stale')) as Array<{ text: string; response_type: string }>;
    expect(reply).toMatchObject({ response_type: 'ephemeral' });
    expect(reply!.text).toContain('`charlie` that was deleted on');
    expect(reply!.text).toContain('No chart was sent.');
    expect(h.slack.files.all()).toHaveLength(0);
  });

  it('/sip-setup export calls alpha 7 sends the CSV to the admin privately: header, ISO times, E.164, no secrets', async () => {
    h.slack.reset();
    const res = await h.client.command('/sip-setup', 'export calls alpha 7', { user_id: ADMIN_USER });
    expect((res.body as { text: string }).text).toContain('the CSV comes to your DM');
    const dm = dmChannelOf(ADMIN_USER);
    const [file] = await eventually(
      () => (sharedFiles(h, dm).length ? sharedFiles(h, dm) : undefined),
      RENDER_WAIT_MS,
      'the file in the DM',
    );
    expect(file!.filename).toBe('calls-alpha-7d.csv');
    const csv = file!.bytes!.toString('utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,kind,binding,started_at,answered_at,ended_at,caller,callee,outcome,sip_status,agent_joined,time_to_agent_ms,duration_ms,end_reason,requested_by',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      'in-alpha,inbound,alpha,2024-05-02T10:00:00.000Z,2024-05-02T10:00:01.500Z,2024-05-02T10:03:00.000Z,+14155550123,+442071234567,completed,,true,1500,178500,,',
    );
    expect(lines[2]).toContain(`test-alpha,test,alpha,2024-05-03T08:00:00.000Z`);
    expect(csv).not.toContain('hunter2');
    expect(csv).not.toContain('1714644000');
    expect(h.slack.messages(dm)[0]!.text).toContain('2 rows');
  });

  it('export is for admins only', async () => {
    const res = await h.client.command('/sip-setup', 'export calls', { user_id: OTHER_USER });
    expect((res.body as { text: string }).text).toContain('Only SIP Ops admins can export call records');
  });

  it('GET /export/calls.csv: 401 without or with a wrong bearer token, the CSV with the right one', async () => {
    const url = `${h.base}/export/calls.csv?binding=alpha&days=30`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${EXPORT_TOKEN}x` } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${EXPORT_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const csv = await ok.text();
    expect(csv.split('\r\n')[0]).toMatch(/^id,kind,binding,started_at/);
    expect(csv).toContain('in-alpha,inbound,alpha');
    expect(csv).not.toContain('hunter2');
    const bad = await fetch(`${h.base}/export/calls.csv?days=365`, {
      headers: { authorization: `Bearer ${EXPORT_TOKEN}` },
    });
    expect(bad.status).toBe(400);
  });
});

describe('GET /export/calls.csv without EXPORT_TOKEN', () => {
  it('is off: 404', async () => {
    const { h } = await start({});
    try {
      const res = await fetch(`${h.base}/export/calls.csv`, { headers: { authorization: `Bearer ${EXPORT_TOKEN}` } });
      expect(res.status).toBe(404);
    } finally {
      await h.stop();
    }
  });
});
