import { WebClient, type RetryOptions } from '@slack/web-api';
import type { DestinationStream, Logger } from 'pino';
import { createSipOpsApp, type SipOpsApp } from './app';
import { ChartRenderer } from './charts';
import { clockWithTime, systemClock, type Clock } from './clock';
import { loadConfig, type Config } from './config';
import { buildFeatures } from './features';
import type { AppDeps, Feature } from './features/feature';
import { InflightWork } from './inflight';
import { SdkLiveKitGateway } from './livekit/gateway';
import { createLogger } from './logger';
import { Metrics } from './metrics';
import { emptyAccessWarnings } from './placeholder-secrets';
import { installLastResort } from './process-guard';
import { SecretsAtRest } from './secrets/at-rest';
import { createSinchClient, type SinchClientOptions } from './sinch/client';
import { classifySlackError, isSlackAnswer } from './slack/errors';
import { createRepos, openStore, type Repos, type Store } from './store';
import { describeTarget } from './store/db';

export interface Running {
  app: SipOpsApp;
  deps: AppDeps;
  port: number;
  config: Config;
  logger: Logger;
  store: Store;
  /** Graceful stop: stop accepting, finish in-flight work up to the bound, close the database. */
  shutdown(reason: string): Promise<void>;
}

export class StartupError extends Error {}

/** Asks Slack who the bot is, which also proves the token works. */
async function slackIdentity(config: Config): Promise<{ botUserId: string; botId: string }> {
  const client = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 2, minTimeout: 500, maxTimeout: 2000 },
  });
  try {
    const r = await client.auth.test();
    if (!r.user_id) throw new StartupError('Slack auth.test returned no bot user ID');
    return { botUserId: r.user_id, botId: r.bot_id ?? '' };
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const failure = classifySlackError(err);
    const code = isSlackAnswer(failure) ? failure.code : undefined;
    if (code)
      throw new StartupError(
        `SLACK_BOT_TOKEN was rejected by Slack (${code}); reinstall the app and copy the Bot User OAuth Token`,
      );
    throw new StartupError(
      `cannot reach the Slack Web API${config.slack.apiUrl ? ` at SLACK_API_URL=${config.slack.apiUrl}` : ''}: ${(err as Error).message}`,
    );
  }
}

/** Starts the service from an environment. Throws StartupError with a one-line reason. */
export interface StartOptions {
  pretty?: boolean;
  /** Tests: a fake clock, a Slack retry policy, a different feature set. */
  now?: () => Date;
  /** A whole clock (time and timers); wins over `now`. */
  clock?: Clock;
  slackRetry?: RetryOptions;
  features?: (deps: AppDeps) => Feature[];
  drainMs?: number;
  /** LiveKit request timeout in seconds (default 10). */
  livekitTimeoutSec?: number;
  /** Sinch client policies (tests: short timeouts, no real sleeps). */
  sinch?: SinchClientOptions;
  /** Per chart render, worker start included (default 10 s; tests on a busy machine load ECharts through tsx). */
  chartTimeoutMs?: number;
  /** Where the JSON log lines go (tests read them); default stdout. */
  logDestination?: DestinationStream;
}

export async function startService(env: Record<string, string | undefined>, opts: StartOptions = {}): Promise<Running> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    throw new StartupError(`the environment is not valid:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const config = loaded.config;
  const logger = createLogger({
    level: config.logLevel,
    ...(opts.pretty !== undefined ? { pretty: opts.pretty } : {}),
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
    secrets: secretsOf(config, env),
  });
  const store = await openDatabase(config, logger);
  const repos = createRepos(store, new SecretsAtRest(config.secretsKey, config.secretsKeyPrevious));
  try {
    await resealSecrets(repos.bindings, logger, config);
  } catch (err) {
    await store.close();
    throw new StartupError((err as Error).message);
  }
  // One chart worker for the process (started on first render, closed at stop).
  const charts = new ChartRenderer(opts.chartTimeoutMs ? { timeoutMs: opts.chartTimeoutMs } : {});
  try {
    const deps = await appDeps({ config, logger, store, repos, charts }, opts);
    for (const warning of emptyAccessWarnings(config)) logger.warn(warning);
    const app = createSipOpsApp(deps, (opts.features ?? buildFeatures)(deps));
    const port = await app.start(config.port, config.host);
    logger.info(
      {
        port,
        host: config.host ?? '(all interfaces)',
        mode: config.slack.appToken ? 'socket' : 'http',
        livekit: config.livekit.url,
        database: describeTarget(config.database),
        est: config.sinch.credentials ? `managed (${config.sinch.estApiUrl})` : 'not managed: no Sinch access key',
      },
      'SIP Ops is listening',
    );
    let done: Promise<void> | undefined;
    const shutdown = (reason: string): Promise<void> => {
      done ??= (async () => {
        logger.info({ reason }, 'shutting down');
        await app.stop(opts.drainMs ?? 10_000);
        await charts.close();
        await store.close();
        logger.info('stopped');
      })();
      return done;
    };
    return { app, deps, port, config, logger, store, shutdown };
  } catch (err) {
    await charts.close();
    await store.close();
    throw err;
  }
}

/** The app's dependencies around the opened database: Slack identity, LiveKit, Sinch (with a key), metrics, clock. */
async function appDeps(
  parts: Pick<AppDeps, 'config' | 'logger' | 'store' | 'repos' | 'charts'>,
  opts: StartOptions,
): Promise<AppDeps> {
  const { config } = parts;
  const identity = await slackIdentity(config);
  const metrics = new Metrics();
  const clock = opts.clock ?? (opts.now ? clockWithTime(opts.now) : systemClock);
  return {
    ...parts,
    livekit: new SdkLiveKitGateway({
      url: config.livekit.url,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
      ...(opts.livekitTimeoutSec ? { requestTimeoutSec: opts.livekitTimeoutSec } : {}),
      observe: (m, ms, f) => metrics.observeLiveKit(m, ms, f),
    }),
    ...(config.sinch.credentials
      ? {
          sinch: createSinchClient(
            { ...config.sinch, credentials: config.sinch.credentials },
            {
              ...opts.sinch,
              onExchange: (e) => {
                metrics.observeSinch(e);
                opts.sinch?.onExchange?.(e);
              },
            },
          ).gateway,
        }
      : {}),
    metrics,
    inflight: new InflightWork(),
    clock,
    now: () => new Date(clock.now()),
    ...identity,
    ...(opts.slackRetry ? { slackRetry: opts.slackRetry } : {}),
  };
}

/** Every secret the logger redacts wherever it appears. */
function secretsOf(config: Config, env: Record<string, string | undefined>): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret ?? '',
    config.livekit.apiSecret,
    config.slack.appToken ?? '',
    env.SECRETS_KEY ?? '',
    env.SECRETS_KEY_PREVIOUS ?? '',
    config.sinch.credentials?.keySecret ?? '',
    config.exportToken ?? '',
  ];
}

async function openDatabase(config: Config, logger: Logger): Promise<Store> {
  const db = config.database;
  try {
    return await openStore(
      db.engine === 'postgres'
        ? {
            ...db,
            onIdleError: (err) =>
              logger.warn({ err: err.message }, 'an idle PostgreSQL connection was lost; the next query reconnects'),
          }
        : db,
    );
  } catch (err) {
    throw new StartupError(`cannot open the database at DATABASE_URL=${describeTarget(db)}: ${(err as Error).message}`);
  }
}

/** Secrets at rest: stored digest passwords sealed with SECRETS_KEY (after a rotation, from SECRETS_KEY_PREVIOUS). */
async function resealSecrets(bindings: Repos['bindings'], logger: Logger, config: Config): Promise<void> {
  if (!config.secretsKey) {
    logger.warn(
      'SECRETS_KEY is not set: bindings with digest authentication cannot be created or changed (see README "Secrets at rest")',
    );
    return;
  }
  const n = await bindings.resealSecrets();
  if (n > 0) logger.info({ count: n }, 'sealed stored digest passwords with SECRETS_KEY');
}

export async function main(): Promise<void> {
  let running: Running;
  try {
    running = await startService(process.env);
  } catch (err) {
    const msg =
      err instanceof StartupError ? err.message : `unexpected start-up failure: ${(err as Error).stack ?? String(err)}`;
    console.error(`SIP Ops cannot start: ${msg}`);
    process.exit(1);
  }
  installLastResort({
    logger: running.logger,
    onFault: (origin) => running.deps.metrics.processFaults.inc({ origin }),
    restart: (reason) => {
      running
        .shutdown(`restart after a fault (${reason})`)
        .catch(() => undefined)
        .finally(() => process.exit(1));
    },
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      console.error(`SIP Ops: second ${sig}, exiting now`);
      process.exit(1);
    }
    running
      .shutdown(sig)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(`SIP Ops: shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (require.main === module) {
  void main();
}
