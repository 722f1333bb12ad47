import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessEnv } from '../support/app-harness';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { startProcess, waitForPort } from '../support/service-process';
import { SlackStandIn } from '../support/slack-standin';

describe('the service process', () => {
  it('with no environment, lists every missing variable and exits 1', async () => {
    const child = startProcess({});
    expect(await child.exit).toBe(1);
    const err = child.stderr();
    expect(err).toContain('SIP Ops cannot start');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'LIVEKIT_URL',
      'LIVEKIT_API_KEY',
      'LIVEKIT_API_SECRET',
    ]) {
      expect(err).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    }
    expect(err).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it('serves health and readiness, turns unready when LiveKit goes away, and exits 0 on SIGTERM', async () => {
    const slack = await SlackStandIn.start();
    const livekit = await LiveKitEmulator.start();
    const dir = mkdtempSync(join(tmpdir(), 'sip-ops-proc-'));
    const child = startProcess({ ...harnessEnv(livekit, slack, dir), LOG_LEVEL: 'info' });
    try {
      const port = await waitForPort(child);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      await livekit.stop();
      await new Promise((r) => setTimeout(r, 2100)); // past the readiness cache
      // LiveKit down is reported, not "not ready": the bot stays in service to explain the outage
      const degraded = await fetch(`${base}/readyz`);
      expect(degraded.status).toBe(200);
      const body = (await degraded.json()) as { degraded: string[] };
      expect(body.degraded.join(' ')).toMatch(/livekit: LiveKit is unreachable/);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await child.exit).toBe(0);
      expect(child.stdout()).toContain('"msg":"stopped"');
      // secrets never reach the log
      expect(child.stdout()).not.toContain(livekit.apiSecret);
      expect(child.stdout()).not.toContain('test-signing-secret');
      expect(child.stdout()).not.toContain('xoxb-test-bot-token');
    } finally {
      child.kill('SIGKILL');
      await livekit.stop();
      await slack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
