import type { RetryOptions } from '@slack/web-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { AppDeps, Feature } from '../../src/features/feature';
import { startService, type Running } from '../../src/main';
import type { SinchClientOptions } from '../../src/sinch/client';
import { LiveKitEmulator, type EmulatorOptions } from './livekit-emulator';
import { SinchEmulator, type SinchEmulatorOptions } from './sinch-emulator';
import { SlackClient } from './slack-request';
import { SlackStandIn } from './slack-standin';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789';
export const TEST_BOT_TOKEN = 'xoxb-test-bot-token-42';
export const ADMIN_USER = 'UADMIN01';
export const OPS_CHANNEL = 'COPS0001';
export const SUPPORT_CHANNEL = 'CSUPPORT1';
/** Seals digest passwords in the test database (32 bytes, base64); tests only. */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface HarnessOptions {
  env?: Record<string, string | undefined>;
  emulator?: EmulatorOptions;
  now?: () => Date;
  features?: (deps: AppDeps) => Feature[];
  slackRetry?: RetryOptions;
  /** Keep the database file between two harnesses (restart tests). */
  dataDir?: string;
  /** LiveKit request timeout in seconds (fault tests use a short one). */
  livekitTimeoutSec?: number;
  /** Start the Sinch emulator and give the service a Sinch access key for it (the EST side is managed). */
  sinch?: SinchEmulatorOptions & { client?: SinchClientOptions };
  /**
   * The pace of the app's one notifier (ms between two Slack calls to a channel; the app's default is
   * 1100 ms, Slack's limit). Suites about what a feature posts, not about pacing, set a short one.
   */
  slackPaceMs?: number;
  /** The service's JSON log lines go here (with `env.LOG_LEVEL` to choose how many). */
  logDestination?: DestinationStream;
}

/**
 * The real service (same start-up code as production) on port 0, against the LiveKit SIP
 * emulator and the Slack stand-in, with a fresh SQLite file.
 */
export interface Harness {
  running: Running;
  base: string;
  slack: SlackStandIn;
  livekit: LiveKitEmulator;
  /** The Sinch emulator when `sinch` was asked for. */
  sinch?: SinchEmulator;
  client: SlackClient;
  deps: AppDeps;
  dataDir: string;
  env: Record<string, string>;
  /** Stop the service (not the emulator or stand-in). */
  stopService(): Promise<void>;
  /** Stop everything and delete the data directory (unless it was passed in). */
  stop(): Promise<void>;
}

export function harnessEnv(
  livekit: LiveKitEmulator,
  slack: SlackStandIn,
  dataDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    DATABASE_URL: `sqlite:${join(dataDir, 'sip-ops.db')}`,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_USER_IDS: ADMIN_USER,
    TEST_CALL_CHANNEL_IDS: SUPPORT_CHANNEL,
    TEST_CALL_ALLOWED_PREFIXES: '+1,+44',
    SUMMARY_CHANNEL: OPS_CHANNEL,
    SECRETS_KEY: TEST_SECRETS_KEY,
    ...extra,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const slack = await SlackStandIn.start();
  const livekit = await LiveKitEmulator.start(opts.emulator);
  const sinch = opts.sinch ? await new SinchEmulator(opts.sinch).start() : undefined;
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sip-ops-test-'));
  const env = harnessEnv(livekit, slack, dataDir, { ...(sinch ? sinchEnv(sinch) : {}), ...opts.env });
  let running: Running;
  try {
    running = await startService(env, {
      pretty: false,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.features ? { features: opts.features } : {}),
      slackRetry: opts.slackRetry ?? { retries: 0 },
      drainMs: 5000,
      // A cold chart worker compiles ECharts through tsx: slow on a shared 2-core machine.
      chartTimeoutMs: 120_000,
      ...(opts.livekitTimeoutSec ? { livekitTimeoutSec: opts.livekitTimeoutSec } : {}),
      ...(opts.logDestination ? { logDestination: opts.logDestination } : {}),
      ...(sinch ? { sinch: { ...TEST_SINCH_CLIENT, ...opts.sinch?.client } } : {}),
    });
  } catch (err) {
    await sinch?.stop();
    await livekit.stop();
    await slack.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  if (opts.slackPaceMs !== undefined) running.app.notifier.pace(opts.slackPaceMs);
  const base = `http://127.0.0.1:${running.port}`;
  livekit.setWebhookUrl(`${base}/livekit/webhook`);
  let serviceStopped = false;
  const h: Harness = {
    running,
    base,
    slack,
    livekit,
    ...(sinch ? { sinch } : {}),
    client: new SlackClient(base, TEST_SIGNING_SECRET, { responseUrl: (id?: string) => slack.responseUrl(id) }),
    deps: running.deps,
    dataDir,
    env,
    async stopService() {
      if (serviceStopped) return;
      serviceStopped = true;
      await running.shutdown('test');
    },
    async stop() {
      await h.stopService();
      await livekit.stop();
      await sinch?.stop();
      await slack.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** The SINCH_* variables pointing the service at `emu`. */
export function sinchEnv(emu: SinchEmulator): Record<string, string> {
  return {
    SINCH_PROJECT_ID: emu.projectId,
    SINCH_KEY_ID: emu.keyId,
    SINCH_KEY_SECRET: emu.keySecret,
    SINCH_EST_API_URL: emu.estUrl,
    SINCH_NUMBERS_API_URL: emu.numbersUrl,
    SINCH_AUTH_URL: emu.authUrl,
  };
}

/** Test policies of the Sinch client: short timeout, no real back-off waits. */
export const TEST_SINCH_CLIENT: SinchClientOptions = {
  timeoutMs: 2000,
  backoffBaseMs: 1,
  maxRetryAfterSec: 5,
  sleep: () => Promise.resolve(),
};

/**
 * The least time any wait for a condition is given. A bound only turns a hang into a readable failure;
 * the condition decides. A busy machine (other suites, `stress-ng`, one core) stretches everything, so a
 * short bound would make a test fail on wall-clock luck.
 */
export const MIN_WAIT_MS = 20_000;

/** Poll until `fn` returns a truthy value or time runs out (`timeoutMs`, at least `MIN_WAIT_MS`). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<NonNullable<T>> {
  timeoutMs = Math.max(timeoutMs, MIN_WAIT_MS);
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
