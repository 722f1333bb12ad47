import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveKitEmulator } from '../support/livekit-emulator';
import { SlackStandIn } from '../support/slack-standin';
import { harnessEnv } from '../support/app-harness';

const ROOT = join(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');

interface Child {
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (sig: NodeJS.Signals) => void;
}

/** Runs the service entry point (`src/main.ts`) as its own process, as `npm start` does with the build. */
function startProcess(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [TSX_CLI, 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exit, stdout: () => out, stderr: () => err, kill: (s) => child.kill(s) };
}

async function waitForPort(child: Child, timeoutMs = 20000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of child.stdout().split('\n')) {
      if (!line.includes('SIP Ops is listening')) continue;
      const parsed = JSON.parse(line) as { port: number };
      return parsed.port;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`service did not start: ${child.stderr()} ${child.stdout()}`);
}

describe('the service process', () => {
  it('with no environment, lists every missing variable and exits 1', async () => {
    const child = startProcess({});
    expect(await child.exit).toBe(1);
    const err = child.stderr();
    expect(err).toContain('SIP Ops cannot start');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']) {
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
      const unready = await fetch(`${base}/readyz`);
      expect(unready.status).toBe(503);
      const body = (await unready.json()) as { reasons: string[] };
      expect(body.reasons.join(' ')).toMatch(/livekit: LiveKit is unreachable/);
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
