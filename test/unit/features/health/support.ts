/**
 * Dependencies for unit tests of the health modules: a real in-memory store, the real config
 * loader, the LiveKit emulator behind the real gateway, a silent logger.
 */
import pino from 'pino';
import { clockWithTime } from '../../../../src/clock';
import { loadConfig, type Config } from '../../../../src/config';
import type { HealthReport } from '../../../../src/domain/health-checks';
import { NO_CHANGES } from '../../../../src/domain/health-run';
import type { AppDeps } from '../../../../src/features/feature';
import type { HealthRun } from '../../../../src/features/health/runner';
import { InflightWork } from '../../../../src/inflight';
import { SdkLiveKitGateway } from '../../../../src/livekit/gateway';
import { Metrics } from '../../../../src/metrics';
import { createRepos, openStore } from '../../../../src/store';
import { LiveKitEmulator } from '../../../support/livekit-emulator';

export const SUMMARY_CHANNEL = 'COPS0001';

export function unitConfig(env: Record<string, string | undefined> = {}): Config {
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-unit-test',
    SLACK_SIGNING_SECRET: 'unit-test-signing-secret',
    LIVEKIT_URL: 'http://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'devkey',
    LIVEKIT_API_SECRET: 'devsecretdevsecretdevsecretdevsec',
    ADMIN_USER_IDS: 'UADMIN01',
    TEST_CALL_CHANNEL_IDS: 'CSUPPORT1',
    TEST_CALL_ALLOWED_PREFIXES: '+1',
    SUMMARY_CHANNEL,
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.config;
}

export interface UnitDeps {
  deps: AppDeps;
  livekit: LiveKitEmulator;
  stop(): Promise<void>;
}

/** App dependencies over an in-memory store and the LiveKit emulator; `now` reads `clock.now`. */
export async function unitDeps(clock: { now: Date }, env: Record<string, string | undefined> = {}): Promise<UnitDeps> {
  const livekit = await LiveKitEmulator.start();
  const store = await openStore(':memory:');
  const config = unitConfig({
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    ...env,
  });
  const deps: AppDeps = {
    config,
    logger: pino({ level: 'silent' }),
    store,
    repos: createRepos(store),
    livekit: new SdkLiveKitGateway({ url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret }),
    metrics: new Metrics(),
    inflight: new InflightWork(),
    clock: clockWithTime(() => clock.now),
    now: () => clock.now,
    botUserId: 'UBOT0001',
    botId: 'BBOT0001',
  };
  return {
    deps,
    livekit,
    async stop() {
      await store.close();
      await livekit.stop();
    },
  };
}

/** A finished full run of `report` (no changes, no transitions unless given). */
export function healthRunOf(report: HealthReport, over: Partial<HealthRun> = {}): HealthRun {
  const at = new Date('2024-05-03T09:00:00Z');
  return {
    id: 'run-1',
    trigger: 'schedule',
    scope: 'all',
    startedAt: at,
    finishedAt: at,
    report,
    diff: NO_CHANGES,
    firstRun: false,
    transitions: [],
    livekitCalls: 3,
    wallMs: 12,
    result: {
      report,
      livekitCalls: 3,
      livekitCallsByMethod: {},
      dnsLookups: 0,
      optionsProbes: 0,
      probesCutOff: 0,
      wallMs: 12,
      bindingCount: report.bindings.length,
    },
    ...over,
  };
}
