import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps, Feature, FeatureContext } from './features/feature';
import { healthRoutes, readinessProbe } from './http/health-routes';
import { livekitWebhookRoute, type WebhookSink } from './http/livekit-webhook-route';
import { createHttpServer, type HttpRoute } from './http/server';
import { screenSlackRequest } from './http/slack-gate';
import { LiveKitWebhookVerifier } from './livekit/webhook';
import { boltLogLevel, toBoltLogger } from './logger';
import { isChannelAccess } from './slack/errors';
import { SlackListeners } from './slack/listeners';
import { chatOf, PacedNotifier } from './slack/paced-notifier';
import { helpSubcommand } from './slack/subcommand-help';
import { SetupCommandRouter } from './slack/subcommand-router';

export interface SipOpsApp {
  bolt: App;
  server: Server;
  setup: SetupCommandRouter;
  notifyClient: WebClient;
  notifier: PacedNotifier;
  /** Starts features and listens; resolves with the bound port. */
  start(port: number, host?: string): Promise<number>;
  /** Stop accepting, stop features, drain in-flight work up to `drainMs`. Safe to call twice. */
  stop(drainMs?: number): Promise<void>;
  readonly shuttingDown: boolean;
}

const SLACK_BODY_LIMIT = 1024 * 1024;

type SlackReceiver = Receiver & { requestListener?: HTTPReceiver['requestListener'] };

/**
 * The composition root's app: Bolt and its receiver, the one paced notifier, the features registered on
 * one `FeatureContext`, and the HTTP server with every route.
 */
export function createSipOpsApp(deps: AppDeps, features: Feature[]): SipOpsApp {
  const { config, logger } = deps;
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: deps.slackRetry ?? { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  };
  const { receiver, socketMode, signingSecret } = slackReceiver(deps);
  const bolt = boltApp(deps, receiver, clientOptions);
  const notifyClient = new WebClient(config.slack.botToken, {
    ...clientOptions,
    logger: toBoltLogger(logger, 'notifier'),
    logLevel: boltLogLevel(config.logLevel),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const notifier = pacedNotifier(deps, notifyClient);
  const setup = new SetupCommandRouter();
  setup.add(helpSubcommand(setup));
  const sinks: WebhookSink[] = [];
  const extraRoutes: HttpRoute[] = [];
  const listeners = new SlackListeners();
  const ctx: FeatureContext = {
    bolt,
    listeners,
    deps,
    setup,
    notifyClient,
    notifier,
    addWebhookSink: (s) => sinks.push(s),
    addRoute: (r) => extraRoutes.push(r),
  };
  for (const f of features) f.register(ctx);
  listeners.command('/sip-setup', (args) => setup.dispatch(args));
  listeners.install(bolt);

  let shuttingDown = false;
  const server = httpServer(deps, {
    receiver,
    signingSecret,
    sinks,
    extraRoutes,
    isShuttingDown: () => shuttingDown,
  });
  const socketReceiver = socketMode ? (receiver as SocketModeReceiver) : undefined;
  let stopping: Promise<void> | undefined;
  return {
    bolt,
    server,
    setup,
    notifyClient,
    notifier,
    get shuttingDown() {
      return shuttingDown;
    },
    async start(port: number, host?: string): Promise<number> {
      for (const f of features) await f.start?.();
      await socketReceiver?.start();
      await listen(server, port, host);
      for (const f of features) await f.afterListen?.();
      return (server.address() as AddressInfo).port;
    },
    stop(drainMs = 10_000): Promise<void> {
      shuttingDown = true;
      stopping ??= stopApp(deps, { features, server, notifier, socketReceiver, drainMs });
      return stopping;
    },
  };
}

/** HTTP mode (the default) or Socket Mode when `SLACK_APP_TOKEN` is set. */
function slackReceiver(deps: AppDeps): { receiver: SlackReceiver; socketMode: boolean; signingSecret: string } {
  const { config, logger } = deps;
  const boltLogger = toBoltLogger(logger, 'bolt');
  const socketMode = Boolean(config.slack.appToken);
  // loadConfig requires the signing secret whenever SLACK_APP_TOKEN is unset.
  const signingSecret = config.slack.signingSecret ?? '';
  if (!socketMode && !signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
  const receiver: SlackReceiver = socketMode
    ? new SocketModeReceiver({
        appToken: config.slack.appToken!,
        logger: boltLogger,
        logLevel: boltLogLevel(config.logLevel),
      })
    : new HTTPReceiver({
        signingSecret,
        logger: boltLogger,
        logLevel: boltLogLevel(config.logLevel),
        processBeforeResponse: false,
        bodyLimit: SLACK_BODY_LIMIT,
      });
  return { receiver, socketMode, signingSecret };
}

function boltApp(deps: AppDeps, receiver: SlackReceiver, clientOptions: WebClientOptions): App {
  const { config, logger } = deps;
  const boltLogger = toBoltLogger(logger, 'bolt');
  const bolt = new App({
    token: config.slack.botToken,
    botId: deps.botId,
    botUserId: deps.botUserId,
    receiver,
    logger: boltLogger,
    logLevel: boltLogLevel(config.logLevel),
    clientOptions,
    extendedErrorHandler: true,
    // No listener reads Bolt's conversation context; without the store no event pays for a lookup.
    convoStore: false,
  });
  bolt.error(async ({ error, body }: ExtendedErrorHandlerArgs) => {
    const b = body as { type?: string; command?: string } | undefined;
    logger.error({ err: error, kind: b?.type ?? b?.command }, 'unhandled error in a Slack listener');
  });
  return bolt;
}

/** Health and readiness, LiveKit's webhooks, the features' routes, and Slack's requests (HTTP mode). */
function httpServer(
  deps: AppDeps,
  parts: {
    receiver: SlackReceiver;
    signingSecret: string;
    sinks: WebhookSink[];
    extraRoutes: HttpRoute[];
    isShuttingDown: () => boolean;
  },
): Server {
  const { config, logger, metrics } = deps;
  const { receiver, signingSecret } = parts;
  const probe = readinessProbe(deps.store, deps.livekit, { metrics });
  const routes: HttpRoute[] = [
    ...healthRoutes({ probe, metrics, isShuttingDown: parts.isShuttingDown }),
    livekitWebhookRoute({
      verifier: new LiveKitWebhookVerifier(config.livekit.apiKey, config.livekit.apiSecret),
      sinks: () => parts.sinks,
      metrics,
      logger,
    }),
    ...parts.extraRoutes,
  ];
  return createHttpServer({
    routes,
    ...(receiver instanceof HTTPReceiver
      ? {
          slack: {
            listener: receiver.requestListener,
            screen: (req) => screenSlackRequest(req, { signingSecret, bodyLimit: SLACK_BODY_LIMIT }),
          },
        }
      : {}),
    metrics,
    logger,
  });
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (host) server.listen(port, host, listening);
    else server.listen(port, listening);
  });
}

/** Stop accepting, stop the features (last first), deliver what is queued for Slack within the drain bound. */
async function stopApp(
  deps: AppDeps,
  parts: {
    features: Feature[];
    server: Server;
    notifier: PacedNotifier;
    socketReceiver: SocketModeReceiver | undefined;
    drainMs: number;
  },
): Promise<void> {
  const { logger } = deps;
  const { server, notifier } = parts;
  // Stop accepting new connections; idle keep-alive sockets are closed so close() resolves.
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  for (const f of [...parts.features].reverse()) {
    try {
      await f.stop?.();
    } catch (err) {
      logger.warn({ err, feature: f.name }, 'feature stop failed');
    }
  }
  // Deliver what the features queued for Slack within the drain bound; drop the rest when it runs out.
  void deps.inflight.track('slack:notifier-drain', notifier.idle());
  deps.inflight.onAbort(() => {
    const dropped = notifier.close();
    if (dropped) logger.warn({ dropped }, 'shutdown: queued Slack messages were dropped');
  });
  const left = await deps.inflight.drain(parts.drainMs);
  if (left.length) logger.warn({ left }, 'shutdown: work still running after the drain bound');
  await parts.socketReceiver?.stop();
  server.closeAllConnections();
  await closed;
}

/** Slack's per-channel limit is about one message a second: 1100 ms leaves room for clock skew. */
const DEFAULT_SLACK_PACE_MS = 1100;

function pacedNotifier(deps: AppDeps, client: WebClient): PacedNotifier {
  const logger = deps.logger.child({ component: 'notifier' });
  return new PacedNotifier({
    chat: chatOf(client),
    intervalMs: DEFAULT_SLACK_PACE_MS,
    clock: deps.clock,
    // The app's Slack retry policy (tests set none) decides how often a 5xx or network error is retried.
    ...(deps.slackRetry?.retries !== undefined ? { maxRetries: deps.slackRetry.retries } : {}),
    // Replicas on one PostgreSQL database share each channel's pace.
    ...(deps.store.engine === 'postgres' ? { sharedPacer: deps.repos.coordination.pacer } : {}),
    observe: (method, result) => deps.metrics.slackApiCalls.inc({ method, result }),
    onFailure: ({ method, channel, error, failure }) =>
      logger.warn(
        { method, channel, error },
        isChannelAccess(failure)
          ? 'cannot post in the channel: invite the SIP Ops bot to it'
          : 'a Slack call of a channel notification failed',
      ),
  });
}
