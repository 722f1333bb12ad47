import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessEnv } from './app-harness';
import { LiveKitEmulator } from './livekit-emulator';
import { createTestDatabase } from './postgres';
import { startProcess, waitForPort, type Child } from './service-process';
import { SlackStandIn } from './slack-standin';

/** `n` service processes (replicas) on one new PostgreSQL database, with one LiveKit emulator and Slack stand-in. */
export interface ReplicaSet {
  slack: SlackStandIn;
  livekit: LiveKitEmulator;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  replicas: Child[];
  bases: string[];
  stop(): Promise<void>;
}

/** Waits for a condition (polled), failing with `what` after `timeoutMs` (a safety net, not a measure). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startReplicaSet(
  n: number,
  env: Record<string, string>,
  seed?: (dbUrl: string) => Promise<void>,
): Promise<ReplicaSet> {
  const slack = await SlackStandIn.start();
  const livekit = await LiveKitEmulator.start();
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'sip-ops-replicas-'));
  await seed?.(db.url);
  const full = harnessEnv(livekit, slack, dir, { DATABASE_URL: db.url, LOG_LEVEL: 'info', ...env });
  const replicas = Array.from({ length: n }, () => startProcess(full));
  const ports = await Promise.all(replicas.map((r) => waitForPort(r)));
  return {
    slack,
    livekit,
    db,
    replicas,
    bases: ports.map((p) => `http://127.0.0.1:${p}`),
    async stop() {
      for (const r of replicas) r.kill('SIGKILL');
      await Promise.all(replicas.map((r) => r.exit));
      await livekit.stop();
      await slack.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
