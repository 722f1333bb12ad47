/** An inbound context over an in-memory store, a recording Slack chat and a log that keeps its lines. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { DEFAULT_NOISE_POLICY } from '../../../../src/domain/inbound-noise';
import type { AppDeps } from '../../../../src/features/feature';
import type { InboundContext } from '../../../../src/features/inbound/context';
import { KeyedSerialQueue } from '../../../../src/features/inbound/room-queue';
import { InflightWork } from '../../../../src/inflight';
import { Metrics } from '../../../../src/metrics';
import { PacedNotifier, type PostArgs, type SlackChat, type UpdateArgs } from '../../../../src/slack/paced-notifier';
import { createRepos, openStore, type Store } from '../../../../src/store';

export class RecordingChat implements SlackChat {
  readonly calls: Array<{ method: 'postMessage' | 'update'; args: PostArgs | UpdateArgs }> = [];
  private seq = 0;
  /** Holds every answer until opened (to see what waits for Slack). */
  gate: Promise<void> = Promise.resolve();

  async postMessage(args: PostArgs): Promise<{ ts?: string }> {
    await this.gate;
    this.calls.push({ method: 'postMessage', args });
    return { ts: `1700000000.${String(++this.seq).padStart(6, '0')}` };
  }

  async update(args: UpdateArgs): Promise<unknown> {
    await this.gate;
    this.calls.push({ method: 'update', args });
    return {};
  }
}

export interface TestContext {
  ctx: InboundContext;
  store: Store;
  chat: RecordingChat;
  inflight: InflightWork;
  /** Log lines (parsed) at warn and above. */
  warnings: Array<{ msg: string } & Record<string, unknown>>;
  close(): Promise<void>;
}

export async function inboundTestContext(): Promise<TestContext> {
  const store = await openStore(':memory:');
  const repos = createRepos(store);
  const warnings: TestContext['warnings'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      warnings.push(JSON.parse(chunk.toString()) as TestContext['warnings'][number]);
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const chat = new RecordingChat();
  const notifier = new PacedNotifier({ chat, intervalMs: 0 });
  const inflight = new InflightWork();
  const deps = {
    repos,
    inflight,
    config: {} as AppDeps['config'],
    livekit: {} as AppDeps['livekit'],
    metrics: new Metrics({ defaultMetrics: false }),
  };
  const ctx: InboundContext = {
    deps,
    logger,
    timers: { setTimeout: () => undefined, clearTimeout: () => undefined },
    settings: {
      agentTimeoutMs: 10_000,
      noisePolicy: DEFAULT_NOISE_POLICY,
      notePeriodMs: DEFAULT_NOISE_POLICY.windowMs,
      retainEndedMs: 60_000,
      ruleCheckMs: 100,
      webhookRetentionMs: 86_400_000,
      threadMode: 'compact',
      openingWindowMs: 0,
    },
    queue: new KeyedSerialQueue((err) => logger.error({ err }, 'task failed')),
    slack: () => notifier,
    nowMs: () => Date.parse('2026-03-01T12:00:00Z'),
    stopped: () => false,
    notifierClosed: () => false,
  };
  return { ctx, store, chat, inflight, warnings, close: () => store.close() };
}
