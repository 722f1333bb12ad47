/**
 * What a feature is and what it gets: the app's dependencies (`AppDeps`, built once by the composition
 * root or a test) and the registration context (`FeatureContext`). Features import this, never `app.ts`.
 */
import type { App } from '@slack/bolt';
import type { RetryOptions, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { ChartRenderer } from '../charts';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { WebhookSink } from '../http/livekit-webhook-route';
import type { HttpRoute } from '../http/server';
import type { InflightWork } from '../inflight';
import type { LiveKitGateway } from '../livekit/gateway';
import type { Metrics } from '../metrics';
import type { SinchGateway } from '../sinch/gateway';
import type { SlackListeners } from '../slack/listeners';
import type { PacedNotifier } from '../slack/paced-notifier';
import type { SetupCommandRouter } from '../slack/subcommand-router';
import type { Repos, Store } from '../store';

/** Everything features need, built once by the composition root (or a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  store: Store;
  repos: Repos;
  livekit: LiveKitGateway;
  /** Sinch EST and Numbers APIs; absent without a Sinch access key (the EST side is then a checklist). */
  sinch?: SinchGateway;
  metrics: Metrics;
  inflight: InflightWork;
  /** The app's clock (time and timers); tests inject a fake one. */
  clock: Clock;
  /** Wall time as a Date, read from `clock`. */
  now: () => Date;
  /** Bot identity (from auth.test at start-up); skips Bolt's eager auth.test. */
  botUserId: string;
  botId: string;
  /** Slack Web API retry policy (tests use few or none). */
  slackRetry?: RetryOptions;
  /** The trend chart renderer (one worker, built by the composition root and closed at stop); no charts without it. */
  charts?: ChartRenderer;
}

export interface FeatureContext {
  bolt: App;
  /** Commands, block actions and modal submissions by name (routed by one Bolt middleware). */
  listeners: SlackListeners;
  deps: AppDeps;
  setup: SetupCommandRouter;
  /** A Web API client of its own for notifications, so its rate-limit pauses never delay modals. */
  notifyClient: WebClient;
  /** The one paced notifier of the app: every feature posting to channels shares Slack's per-channel pace. */
  notifier: PacedNotifier;
  addWebhookSink(sink: WebhookSink): void;
  addRoute(route: HttpRoute): void;
}

export interface Feature {
  name: string;
  register(ctx: FeatureContext): void;
  /** After the database is open and before requests are served (e.g. journal recovery). */
  start?(): Promise<void>;
  /** After the server is listening (e.g. schedules). */
  afterListen?(): Promise<void>;
  /** On shutdown, before in-flight work is drained. */
  stop?(): Promise<void>;
}
