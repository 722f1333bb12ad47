/**
 * `npm run demo`: the real service, started by the production start-up code, against the
 * LiveKit SIP emulator and a local Slack stand-in (the same ones the tests use). It drives the
 * service with really signed Slack requests and LiveKit webhooks and prints what Slack would show.
 * Needs no credentials and no network; exits 0 when every step behaved as expected.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from '../test/support/app-harness';
import { run as foundation } from './demo/foundation';
import { startHealthDemo } from './demo/health';

type Step = { title: string; run: (h: Harness, say: (line: string) => void) => Promise<void> };

const FEATURE_STEPS: Array<{ file: string; title: string }> = [
  { file: 'sip-setup', title: 'Bindings: /sip-setup create, edit and delete' },
  { file: 'test-call', title: 'Test calls: /sip-test-call' },
  { file: 'inbound', title: 'Inbound calls: LiveKit webhooks become a thread per call' },
  { file: 'loopback', title: "Loopback: out through EST to the binding's own DID and back in to the agent" },
  {
    file: 'est',
    title:
      "The EST side through Sinch's API: a managed binding, a drifted endpoint caught, a 403 cited from EST's record",
  },
];

function loadSteps(last: Step[]): Step[] {
  const steps: Step[] = [{ title: 'Start-up, health and help', run: foundation }];
  for (const s of FEATURE_STEPS) {
    if (!existsSync(join(__dirname, 'demo', `${s.file}.ts`))) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`./demo/${s.file}`) as { run: Step['run'] };
    steps.push({ title: s.title, run: mod.run });
  }
  return [...steps, ...last];
}

async function main(): Promise<void> {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('SIP Ops demo — the real service against the LiveKit SIP emulator and a local Slack stand-in.');
  say('No Slack or LiveKit credentials are used and nothing leaves this machine.\n');
  // The health step brings its own health feature (probes pointed at a local SIP peer).
  const health = await startHealthDemo();
  const h = await startHarness({
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    features: health.features,
  }).catch(async (err: unknown) => {
    await health.stop();
    throw err;
  });
  let failed: unknown;
  try {
    const steps = loadSteps([{ title: 'Health: checks and the daily summary', run: health.run }]);
    for (const [i, step] of steps.entries()) {
      say(`\n━━━ ${i + 1}. ${step.title} ━━━`);
      await step.run(h, (line) =>
        say(
          line
            .split('\n')
            .map((l) => `  ${l}`)
            .join('\n'),
        ),
      );
    }
  } catch (err) {
    failed = err;
  } finally {
    await h.stop();
    await health.stop();
  }
  if (failed) {
    console.error(`\nDemo FAILED: ${failed instanceof Error ? (failed.stack ?? failed.message) : String(failed)}`);
    process.exit(1);
  }
  say(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s: every step behaved as expected.`);
  process.exit(0);
}

void main();
