/**
 * Demo step: the daily health summary. Two bindings are seeded, the scheduled check runs (all
 * pass), someone deletes a dispatch rule with `lk`, an on-call engineer presses "Run again" on
 * the summary: the new summary calls out the failure, its thread says what to do, the binding's
 * report channel gets an alert, and `/sip-setup check <name>` shows the same detail on demand.
 *
 * The demo machine has no network: every host "resolves" to 127.0.0.1 and SIP OPTIONS go to a
 * tiny SIP peer started here (answering 200 OK), through the real OPTIONS client. The demo builds
 * the app's features itself (`startHealthDemo().features`) with a health feature pointed at that
 * peer, and drives that instance.
 */
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatures, summaryChartOption } from '../../src/features';
import type { AppDeps, Feature } from '../../src/features/feature';
import { healthFeature, type HealthFeature } from '../../src/features/health';
import type { Harness } from '../../test/support/app-harness';
import { ADMIN_USER, OPS_CHANNEL, eventually } from '../../test/support/app-harness';
import { seedBinding } from '../../test/support/fixtures';
import { renderBlocks, renderMessage } from '../../test/support/slack-render';
import type { SlackMessage } from '../../test/support/slack-standin';

const CLINIC_CHANNEL = 'CCLINIC01';
const SHOP_CHANNEL = 'CSHOP0001';

/** A SIP peer on 127.0.0.1 (UDP) that answers every OPTIONS with 200 OK. */
async function startSipPeer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => {
    const lines = msg.toString('utf8').split('\r\n');
    if (!lines[0]?.startsWith('OPTIONS ')) return;
    const pick = (name: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const reply = [
      'SIP/2.0 200 OK',
      ...pick('Via'),
      ...pick('From'),
      ...pick('To').map((l) => `${l};tag=demo`),
      ...pick('Call-ID'),
      ...pick('CSeq'),
      'Server: demo-sip-peer',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sock.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  return { port: sock.address().port, stop: () => new Promise<void>((r) => sock.close(() => r())) };
}

function show(say: (line: string) => void, label: string, text: string, maxLines = 40): void {
  say(label);
  const lines = text.split('\n');
  for (const l of lines.slice(0, maxLines)) say(`  │ ${l}`);
  if (lines.length > maxLines) say(`  │ … (${lines.length - maxLines} more lines)`);
}

const DAY_MS = 86_400_000;

/** A week of history, so the chart has something to show: calls on both lines, one health run a day, shop-line's answer rate slipping. */
async function seedHistory(h: Harness, names: readonly string[]): Promise<void> {
  const now = h.deps.now().getTime();
  for (let d = 6; d >= 1; d--) {
    const day = now - d * DAY_MS;
    for (const [i, name] of names.entries()) {
      for (let k = 0; k < 6 + i * 2; k++) {
        const reached = i === 0 ? k % 7 !== 6 : k < 6 + i * 2 - Math.ceil((7 - d) / 2);
        const at = new Date(day - k * 900_000).toISOString();
        await h.deps.repos.calls.insert({
          id: `demo-in-${name}-${d}-${k}`,
          direction: 'inbound',
          bindingName: name,
          caller: `+1415555${String(1000 + k).slice(-4)}`,
          startedAt: at,
          agentJoined: reached,
          setupMs: reached ? 900 + ((k * 337 + d * 101) % 1800) * (1 + i) : null,
          outcome: reached ? 'completed' : 'no-agent',
        });
      }
      await h.deps.repos.calls.insert({
        id: `demo-test-${name}-${d}`,
        direction: 'test',
        bindingName: name,
        callee: '+14155550100',
        actor: ADMIN_USER,
        startedAt: new Date(day - 3_600_000).toISOString(),
        outcome: i === 1 && d <= 2 ? 'failed' : 'answered',
      });
    }
    const id = `demo-run-${d}`;
    await h.deps.repos.healthRuns.start(id, 'schedule', new Date(day - 60_000));
    await h.deps.repos.healthRuns.finish(
      id,
      { scope: 'all', bindings: names.map((name, i) => ({ name, status: i === 1 && d === 2 ? 'warn' : 'pass' })) },
      new Date(day),
    );
  }
}

/** Waits for the chart the summary put in its thread, writes the PNG where a person can open it, and says where. */
async function saveSummaryChart(h: Harness, say: (line: string) => void, summaryTs: string): Promise<number> {
  const started = Date.now();
  // A cold chart worker loads ECharts first (through tsx in the demo): allow for it.
  const file = await eventually(
    () =>
      h.slack.files
        .all()
        .find((f) => f.completed && f.share?.channel === OPS_CHANNEL && f.share.threadTs === summaryTs),
    120_000,
    'the trend chart in the thread',
  );
  if (!file.bytes || file.bytes.subarray(1, 4).toString('latin1') !== 'PNG')
    throw new Error('the uploaded chart is not a PNG');
  const dir = mkdtempSync(join(tmpdir(), 'sip-ops-demo-'));
  const path = join(dir, file.filename);
  writeFileSync(path, file.bytes);
  say(
    `  ↳ in the thread: 📎 ${file.title ?? file.filename} (${file.bytes.readUInt32BE(16)}×${file.bytes.readUInt32BE(20)} PNG, ${Math.round(file.bytes.length / 1024)} KB, files.getUploadURLExternal → upload → files.completeUploadExternal)`,
  );
  say(`    The chart PNG was written to ${path}`);
  return Date.now() - started;
}

function expectText(text: string, wanted: string, where: string): void {
  if (!text.includes(wanted)) throw new Error(`${where} does not contain "${wanted}":\n${text}`);
}

async function runHealthStep(
  h: Harness,
  say: (line: string) => void,
  health: HealthFeature,
  peerPort: number,
): Promise<void> {
  const started = Date.now();
  say(`(No network here: every host resolves to 127.0.0.1 and SIP OPTIONS go to a local SIP peer on UDP ${peerPort}.)`);
  const clinic = await seedBinding(h.deps, {
    name: 'clinic-main',
    trunkDomain: 'clinic.pstn.sinch.com',
    livekitSipHost: 'sip.clinic.example',
    reportChannel: CLINIC_CHANNEL,
  });
  const shop = await seedBinding(h.deps, {
    name: 'shop-line',
    trunkDomain: 'shop.pstn.sinch.com',
    livekitSipHost: 'sip.shop.example',
    reportChannel: SHOP_CHANNEL,
  });
  say(
    `Bindings ${clinic.name} (reports in #${CLINIC_CHANNEL}) and ${shop.name} (reports in #${SHOP_CHANNEL}) are in place.`,
  );
  await seedHistory(h, [clinic.name, shop.name]);
  say('A week of call records and daily health runs is already stored (for the trend chart).');

  say('');
  say(`SUMMARY_CRON fires: the scheduled check runs and posts to #${OPS_CHANNEL}.`);
  const firstStarted = Date.now();
  const first = await health.runScheduled();
  // The summary's delivery includes the trend chart, whose first render starts the chart worker.
  const firstMs = Date.now() - firstStarted;
  const summaries = (): SlackMessage[] => h.slack.topLevel(OPS_CHANNEL).filter((m) => m.text.startsWith('SIP health:'));
  const firstMsg = summaries().at(-1);
  if (!firstMsg) throw new Error('no summary was posted');
  const firstText = renderMessage(firstMsg.args);
  show(
    say,
    `#${OPS_CHANNEL} · sip-ops (LiveKit read with ${first.livekitCalls} list calls, ${first.result.optionsProbes} OPTIONS probes, ${first.wallMs} ms):`,
    firstText,
    12,
  );
  expectText(firstText, '✅ clinic-main', 'the first summary');
  expectText(firstText, '✅ shop-line', 'the first summary');
  const chartMs = firstMs + (await saveSummaryChart(h, say, firstMsg.ts));

  say('');
  say(`Someone runs \`lk sip dispatch delete ${shop.resources.dispatchRuleId}\`…`);
  const del = await h.deps.livekit.deleteDispatchRule(shop.resources.dispatchRuleId!);
  if (!del.ok) throw new Error(`could not delete the dispatch rule: ${del.failure.message}`);

  say(`@${ADMIN_USER} presses [Run again] on the summary.`);
  const before = summaries().length;
  // The button's own value, as Slack sends it back (it names the run the summary was for).
  const again = (
    (firstMsg.args.blocks ?? []) as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>
  )
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'health_run_again');
  if (!again?.value) throw new Error('the summary has no Run again button');
  const res = await h.client.action({
    actionId: 'health_run_again',
    value: again.value,
    channel: OPS_CHANNEL,
    messageTs: firstMsg.ts,
    user: ADMIN_USER,
    responseUrl: h.slack.responseUrl('demo-health-again'),
  });
  if (res.status !== 200) throw new Error(`Run again answered HTTP ${res.status}`);
  const second = await eventually(
    () => (summaries().length > before ? summaries().at(-1) : undefined),
    8000,
    'the new summary',
  );
  const secondText = renderMessage(second.args);
  say('');
  show(say, `#${OPS_CHANNEL} · sip-ops:`, secondText, 14);
  expectText(secondText, '❌ shop-line (new)', 'the second summary');
  expectText(secondText, `Dispatch rule ${shop.resources.dispatchRuleId} not found in LiveKit`, 'the second summary');
  expectText(secondText, '✅ clinic-main', 'the second summary');
  expectText(secondText, 'new failure: shop-line', 'the second summary');

  const reply = await eventually(
    () => h.slack.thread(OPS_CHANNEL, second.ts).replies.find((r) => r.text.includes('shop-line')),
    8000,
    'the thread reply for shop-line',
  );
  const replyText = renderMessage(reply.args);
  say('');
  show(say, '  ↳ in the thread:', replyText, 24);
  expectText(replyText, 'Next: Run /sip-setup shop-line and save to re-create it.', 'the thread reply');

  const alert = await eventually(() => h.slack.messages(SHOP_CHANNEL).at(-1), 5000, `the alert in #${SHOP_CHANNEL}`);
  const alertText = renderMessage(alert.args);
  say('');
  show(say, `#${SHOP_CHANNEL} (shop-line's report channel) · sip-ops, at once:`, alertText);
  expectText(alertText, 'is failing', 'the alert');
  if (h.slack.messages(CLINIC_CHANNEL).length > 0)
    throw new Error('clinic-main did not change but its channel got an alert');

  say('');
  say(`@${ADMIN_USER} types: /sip-setup check shop-line`);
  const ack = await h.client.command({
    command: '/sip-setup',
    text: 'check shop-line',
    user_id: ADMIN_USER,
    channel_id: OPS_CHANNEL,
    response_id: 'demo-health-check',
  });
  const ackText = (ack.body as { text?: string }).text ?? '';
  say(`  (only visible to you, at once) ${ackText}`);
  expectText(ackText, 'Running checks for', 'the ack');
  const [answer] = (await h.slack.waitForResponseUrlPost('demo-health-check', 1, 8000)) as Array<{
    blocks?: unknown[];
  }>;
  const answerText = renderBlocks(answer?.blocks);
  show(say, '  then, replacing it:', answerText, 6);
  expectText(answerText, 'shop-line: fail', 'the /sip-setup check answer');

  // The first summary with its chart (worker start included) is timed on its own.
  const elapsed = Date.now() - started - chartMs;
  say('');
  say(
    `Health step took ${(elapsed / 1000).toFixed(1)} s, plus ${(chartMs / 1000).toFixed(1)} s for the first summary with its chart (chart worker started).`,
  );
  if (elapsed > 10_000) throw new Error(`the health step took ${elapsed} ms`);
}

export interface HealthDemo {
  /** The app's features, with the health feature pointed at the demo's SIP peer (for `startHarness`). */
  features(deps: AppDeps): Feature[];
  /** The demo step, on the harness started with `features`. */
  run(h: Harness, say: (line: string) => void): Promise<void>;
  /** Stops the SIP peer. */
  stop(): Promise<void>;
}

/** Starts the demo's SIP peer; the health feature built by `features` probes it. */
export async function startHealthDemo(): Promise<HealthDemo> {
  const peer = await startSipPeer();
  let health: HealthFeature | undefined;
  return {
    features(deps) {
      health = healthFeature(deps, {
        resolver: async () => ({ ok: true, addresses: ['127.0.0.1'] }),
        mapTarget: () => ({ host: '127.0.0.1', port: peer.port, transport: 'udp' }),
        probeTimeoutMs: 1000,
        threadPaceMs: 250,
        ...summaryChartOption(deps),
      });
      return buildFeatures(deps, { health });
    },
    run(h, say) {
      if (!health) throw new Error('startHarness was not given the demo features (HealthDemo.features)');
      return runHealthStep(h, say, health, peer.port);
    },
    stop: () => peer.stop(),
  };
}
