/**
 * Paced, coalescing delivery of notifications to Slack, one queue per channel.
 *
 * Policy (Slack allows about one message per second per channel):
 * - Every Web API call for a channel (a new message, a thread reply, an update) uses one slot of that
 *   channel's budget: calls to one channel start at least `intervalMs` apart and one at a time.
 *   Channels are independent.
 * - Bursts are coalesced, so fewer calls carry the same content:
 *   - an update to a message whose post is still queued changes what will be posted (no extra call);
 *   - several updates to one posted message collapse into one call carrying the latest content,
 *     and an update that would not change what Slack shows is dropped;
 *   - a thread reply joins the thread's newest reply when that one is still queued (text-only
 *     replies, joined by new lines, up to `maxMergedChars`), keeping the thread's order.
 * - Thread replies and updates wait for their parent's post (FIFO per channel); when a post fails
 *   for good, its replies and updates are dropped without calls.
 * - A 429 (`slack_webapi_rate_limited_error`) pauses that channel for Retry-After and retries the
 *   same call: Slack did not take the message, so nothing is lost or duplicated. Network errors and
 *   5xx are retried `maxRetries` times with backoff; Slack platform errors (`not_in_channel`, …) are not.
 * The clock and timers are injectable for tests.
 */
import type { WebClient } from '@slack/web-api';
import { systemClock, type Clock } from '../clock';
import type { KnownBlock, SlackMessage } from './block-kit';
import { classifySlackError, type SlackFailure } from './errors';
import { LIMITS, truncate } from './limits';

/** Slack message metadata (docs: messaging/message-metadata): names what a message stands for. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, string>;
}

export interface PostArgs {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  thread_ts?: string;
  metadata?: MessageMetadata;
}

/** One page of `conversations.history` (newest first), asked with `include_all_metadata`. */
export interface HistoryArgs {
  channel: string;
  oldest: string;
  limit: number;
  cursor?: string;
}
export interface HistoryPage {
  messages?: Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }>;
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

export interface UpdateArgs {
  channel: string;
  ts: string;
  text: string;
  blocks?: KnownBlock[];
}

/** The Web API methods used (see `chatOf` for a WebClient); `history` finds a post whose answer was lost. */
export interface SlackChat {
  /** `channel` is where Slack put it: a DM's ID (D…) when posted to a user ID. */
  postMessage(args: PostArgs): Promise<{ ts?: string; channel?: string }>;
  update(args: UpdateArgs): Promise<unknown>;
  history?(args: HistoryArgs): Promise<HistoryPage>;
}

export function chatOf(client: WebClient): SlackChat {
  return {
    postMessage: (a) =>
      client.chat.postMessage({
        channel: a.channel,
        text: a.text,
        ...(a.blocks ? { blocks: a.blocks } : {}),
        ...(a.thread_ts ? { thread_ts: a.thread_ts } : {}),
        ...(a.metadata ? { metadata: a.metadata } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    update: (a) =>
      client.chat.update({ channel: a.channel, ts: a.ts, text: a.text, ...(a.blocks ? { blocks: a.blocks } : {}) }),
    history: (a) =>
      client.conversations.history({
        channel: a.channel,
        oldest: a.oldest,
        limit: a.limit,
        include_all_metadata: true,
        ...(a.cursor ? { cursor: a.cursor } : {}),
      }) as Promise<HistoryPage>,
  };
}

/** The notifier's clock is the app's `Clock`. */
export type NotifierClock = Clock;

export type CallResult = 'ok' | 'rate_limited' | 'retry' | 'error';

export interface PacedNotifierOptions {
  chat: SlackChat;
  /** Minimum time between two calls to one channel (default 1000 ms). */
  intervalMs?: number;
  clock?: NotifierClock;
  /** Retries after network errors and 5xx (default 2). */
  maxRetries?: number;
  /** Retries after 429s for one message (default 20). */
  maxRateLimitRetries?: number;
  /** Longest merged thread reply (default 3500 characters). */
  maxMergedChars?: number;
  /** Every Web API call and how it ended (metrics). */
  observe?: (method: 'chat.postMessage' | 'chat.update', result: CallResult) => void;
  /** Calls that failed for good. */
  onFailure?: (info: { method: string; channel: string; error: string; failure: SlackFailure }) => void;
  /**
   * Replicas sharing Slack's per-channel budget (PostgreSQL: src/store/coordination-pg.ts): every
   * call first reserves the channel's next slot there and waits for it. Unset: this process alone.
   */
  sharedPacer?: { paced<T>(channel: string, intervalMs: number, call: () => Promise<T>): Promise<T> };
}

/** A message that is (or will be) in Slack. */
export interface MessageHandle {
  readonly channel: string;
  /** The message ts once posted; undefined when posting failed or the notifier was closed. */
  readonly posted: Promise<string | undefined>;
  /** Why the post failed for good, once `posted` resolved undefined (`closed`: the notifier shut down first). */
  readonly failure: SlackFailure | undefined;
}

/** The notifier shut down before the call was made. */
export const NOTIFIER_CLOSED: SlackFailure = { kind: 'transient', code: 'notifier_closed' };

type MsgState = 'queued' | 'sending' | 'sent' | 'failed';

interface Msg {
  channel: string;
  parent?: Msg;
  parts: SlackMessage[];
  mergeable: boolean;
  state: MsgState;
  ts?: string;
  sentJson?: string;
  updateQueued: boolean;
  lastReply?: Msg;
  retries: number;
  rateLimited: number;
  /** A delayed post is not sent before this time (the notifier's clock). */
  notBefore?: number | undefined;
  metadata?: MessageMetadata;
  settle: (ts: string | undefined) => void;
  posted: Promise<string | undefined>;
  failure?: SlackFailure;
  /** Callers of `update` waiting for the message's current content to be on Slack (or for the failure). */
  contentWaiters: Array<(failure: SlackFailure | undefined) => void>;
}

interface Op {
  kind: 'post' | 'update';
  msg: Msg;
}

interface Channel {
  id: string;
  ops: Op[];
  busy: boolean;
  timer?: unknown;
  nextAt: number;
}

class Handle implements MessageHandle {
  constructor(
    readonly msg: Msg,
    readonly part: number,
  ) {}
  get channel(): string {
    return this.msg.channel;
  }
  get posted(): Promise<string | undefined> {
    return this.msg.posted;
  }
  get failure(): SlackFailure | undefined {
    return this.msg.failure;
  }
}

function contentOf(msg: Msg): SlackMessage {
  if (msg.parts.length === 1) return msg.parts[0]!;
  return { text: truncate(msg.parts.map((p) => p.text).join('\n'), LIMITS.messageText) };
}

export class PacedNotifier {
  private interval: number;
  private readonly chat: SlackChat;
  private readonly clock: NotifierClock;
  private readonly maxRetries: number;
  private readonly maxRateLimitRetries: number;
  private readonly maxMergedChars: number;
  private readonly channels = new Map<string, Channel>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: PacedNotifierOptions) {
    this.chat = opts.chat;
    this.interval = opts.intervalMs ?? 1000;
    this.clock = opts.clock ?? systemClock;
    this.maxRetries = opts.maxRetries ?? 2;
    this.maxRateLimitRetries = opts.maxRateLimitRetries ?? 20;
    this.maxMergedChars = opts.maxMergedChars ?? 3500;
  }

  /** Minimum time between two calls to one channel. */
  get intervalMs(): number {
    return this.interval;
  }

  /** Changes the pace (tests that drive one feature set a short one). */
  pace(intervalMs: number): void {
    this.interval = intervalMs;
  }

  /**
   * A new top-level message. With `delayMs` it is not sent before that time has passed, so updates
   * made meanwhile ride on the post; later calls to the channel wait behind it (FIFO).
   */
  post(
    channel: string,
    content: SlackMessage,
    opts: { delayMs?: number; metadata?: MessageMetadata } = {},
  ): MessageHandle {
    const msg = this.newMsg(channel, content, undefined);
    if (opts.delayMs !== undefined && opts.delayMs > 0) msg.notBefore = this.clock.now() + opts.delayMs;
    if (opts.metadata) msg.metadata = opts.metadata;
    this.enqueue(msg.channel, { kind: 'post', msg });
    return new Handle(msg, 0);
  }

  /** A thread reply under `parent`; joins the thread's newest reply while that one is still queued (unless `merge: false`). */
  reply(parent: MessageHandle, content: SlackMessage, opts: { merge?: boolean } = {}): MessageHandle {
    const p = this.msgOf(parent);
    const merge = opts.merge ?? true;
    const last = p.lastReply;
    if (
      merge &&
      !content.blocks &&
      last &&
      last.state === 'queued' &&
      last.mergeable &&
      contentOf(last).text.length + 1 + content.text.length <= this.maxMergedChars
    ) {
      last.parts.push(content);
      return new Handle(last, last.parts.length - 1);
    }
    const msg = this.newMsg(p.channel, content, p);
    msg.mergeable = merge && !content.blocks;
    p.lastReply = msg;
    if (this.closed || p.state === 'failed') {
      this.fail(msg, this.closed ? NOTIFIER_CLOSED : (p.failure ?? NOTIFIER_CLOSED));
      return new Handle(msg, 0);
    }
    this.enqueue(msg.channel, { kind: 'post', msg });
    return new Handle(msg, 0);
  }

  /**
   * Replace what a message (or its part of a merged reply) says; coalesced with other pending changes.
   * Resolves when Slack shows this content (or a newer one): undefined, or the failure that stopped it.
   */
  update(handle: MessageHandle, content: SlackMessage): Promise<SlackFailure | undefined> {
    const h = this.handleOf(handle);
    const msg = h.msg;
    if (this.closed) return Promise.resolve(NOTIFIER_CLOSED);
    if (msg.state === 'failed') return Promise.resolve(msg.failure ?? NOTIFIER_CLOSED);
    msg.parts[h.part] = content;
    const shown = new Promise<SlackFailure | undefined>((r) => msg.contentWaiters.push(r));
    // queued: the post carries it; sending: checked when the post returns
    if (msg.state === 'sent') this.queueUpdate(msg);
    return shown;
  }

  /** A delayed post may go now (what it waited for has happened); no effect on other messages. */
  release(handle: MessageHandle): void {
    const msg = this.msgOf(handle);
    if (msg.notBefore === undefined) return;
    msg.notBefore = undefined;
    const ch = this.channels.get(msg.channel);
    if (!ch || msg.state !== 'queued') return;
    if (ch.timer !== undefined) {
      this.clock.clearTimeout(ch.timer);
      ch.timer = undefined;
    }
    this.pump(ch);
  }

  /** A message posted earlier (e.g. before a restart), so it can be updated and replied to. */
  adopt(channel: string, ts: string, content: SlackMessage = { text: '' }): MessageHandle {
    const msg = this.newMsg(channel, content, undefined);
    msg.state = 'sent';
    msg.ts = ts;
    msg.sentJson = JSON.stringify(content);
    msg.settle(ts);
    return new Handle(msg, 0);
  }

  /** Ends a message's waiters: its post failed for good (or the notifier closed first). */
  private fail(msg: Msg, failure: SlackFailure): void {
    msg.state = 'failed';
    msg.failure = failure;
    msg.settle(undefined);
    settleWaiters(msg, failure);
  }

  /**
   * The ts of a top-level message of `channel` posted since `oldestSec` (Unix seconds) with this
   * metadata (same event type, same payload values), e.g. a post Slack took whose answer was lost in
   * a crash. `undefined` when there is none; throws when Slack cannot be asked.
   */
  async findPosted(channel: string, metadata: MessageMetadata, oldestSec: number): Promise<string | undefined> {
    const history = this.chat.history?.bind(this.chat);
    if (!history) throw new Error('this Slack client cannot read channel history');
    const wanted = Object.entries(metadata.event_payload);
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await history({ channel, oldest: String(oldestSec), limit: 200, ...(cursor ? { cursor } : {}) });
      const hit = (r.messages ?? []).find(
        (m) =>
          m.metadata?.event_type === metadata.event_type &&
          wanted.every(([k, v]) => m.metadata?.event_payload?.[k] === v),
      );
      if (hit?.ts) return hit.ts;
      cursor = r.response_metadata?.next_cursor;
      if (!r.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  /** Calls waiting (all channels, or one). */
  pending(channel?: string): number {
    let n = 0;
    for (const ch of this.channels.values()) if (channel === undefined || ch.id === channel) n += ch.ops.length;
    return n;
  }

  /** Resolves when every queue is empty and no call is in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drops everything still queued (shutdown); returns how many calls were dropped. */
  close(): number {
    this.closed = true;
    let dropped = 0;
    for (const ch of this.channels.values()) {
      if (ch.timer !== undefined) this.clock.clearTimeout(ch.timer);
      ch.timer = undefined;
      for (const op of ch.ops) {
        dropped += 1;
        if (op.kind === 'post' && op.msg.state === 'queued') this.fail(op.msg, NOTIFIER_CLOSED);
        else settleWaiters(op.msg, NOTIFIER_CLOSED);
      }
      ch.ops = ch.busy ? ch.ops.slice(0, 1) : [];
    }
    this.checkIdle();
    return dropped;
  }

  // ------------------------------------------------------------------ internals

  private newMsg(channel: string, content: SlackMessage, parent: Msg | undefined): Msg {
    let settle!: (ts: string | undefined) => void;
    const posted = new Promise<string | undefined>((r) => (settle = r));
    return {
      channel,
      ...(parent ? { parent } : {}),
      parts: [content],
      mergeable: false,
      state: 'queued',
      updateQueued: false,
      retries: 0,
      rateLimited: 0,
      settle,
      posted,
      contentWaiters: [],
    };
  }

  private handleOf(h: MessageHandle): Handle {
    if (!(h instanceof Handle)) throw new Error('not a handle from this notifier');
    return h;
  }

  private msgOf(h: MessageHandle): Msg {
    return this.handleOf(h).msg;
  }

  private channel(id: string): Channel {
    let ch = this.channels.get(id);
    if (!ch) {
      ch = { id, ops: [], busy: false, nextAt: 0 };
      this.channels.set(id, ch);
    }
    return ch;
  }

  private enqueue(channel: string, op: Op): void {
    if (this.closed) {
      if (op.kind === 'post') this.fail(op.msg, NOTIFIER_CLOSED);
      else settleWaiters(op.msg, NOTIFIER_CLOSED);
      return;
    }
    const ch = this.channel(channel);
    ch.ops.push(op);
    this.pump(ch);
  }

  private queueUpdate(msg: Msg): void {
    if (msg.updateQueued) return;
    msg.updateQueued = true;
    this.enqueue(msg.channel, { kind: 'update', msg });
  }

  private isIdle(): boolean {
    for (const ch of this.channels.values()) if (ch.busy || ch.ops.length > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Drops head operations that need no call (no change, or a failed parent). */
  private skipNoops(ch: Channel): void {
    while (ch.ops.length) {
      const op = ch.ops[0]!;
      const msg = op.msg;
      if (op.kind === 'update') {
        if (msg.state !== 'sent' || JSON.stringify(contentOf(msg)) === msg.sentJson) {
          ch.ops.shift();
          msg.updateQueued = false;
          // Slack already shows this content (or the message failed, which settled its waiters).
          settleWaiters(msg, undefined);
          continue;
        }
      } else if (msg.parent && msg.parent.state !== 'sent') {
        // FIFO per channel puts the parent's post first, so it is done: it failed.
        ch.ops.shift();
        this.fail(msg, msg.parent.failure ?? NOTIFIER_CLOSED);
        continue;
      }
      return;
    }
  }

  private pump(ch: Channel): void {
    if (ch.busy) return;
    if (this.closed) {
      ch.ops = [];
      this.checkIdle();
      return;
    }
    if (ch.timer !== undefined) return;
    this.skipNoops(ch);
    const op = ch.ops[0];
    if (!op) {
      // The channel entry stays: its `nextAt` keeps pacing the next message.
      this.checkIdle();
      return;
    }
    const wait = Math.max(ch.nextAt, op.kind === 'post' ? (op.msg.notBefore ?? 0) : 0) - this.clock.now();
    if (wait > 0) {
      ch.timer = this.clock.setTimeout(() => {
        ch.timer = undefined;
        this.pump(ch);
      }, wait);
      return;
    }
    ch.busy = true;
    ch.nextAt = this.clock.now() + this.interval;
    const pacer = this.opts.sharedPacer;
    const call = pacer ? this.sharedCall(pacer, ch, op) : this.execute(ch, op);
    void call.finally(() => {
      ch.busy = false;
      this.pump(ch);
    });
  }

  /**
   * The call in this channel's turn among all replicas (the pacer waits for the previous call's end plus the
   * interval). When the pacer fails before the call ran, the call goes anyway: this process still paces.
   */
  private async sharedCall(
    pacer: NonNullable<PacedNotifierOptions['sharedPacer']>,
    ch: Channel,
    op: Op,
  ): Promise<void> {
    let ran = false;
    try {
      await pacer.paced(ch.id, this.intervalMs, () => {
        ran = true;
        return this.execute(ch, op);
      });
    } catch {
      if (!ran) await this.execute(ch, op);
    }
  }

  private async execute(ch: Channel, op: Op): Promise<void> {
    const msg = op.msg;
    const content = contentOf(msg);
    const json = JSON.stringify(content);
    const method = op.kind === 'post' ? 'chat.postMessage' : 'chat.update';
    if (op.kind === 'post') msg.state = 'sending';
    else msg.updateQueued = false;
    // Waiting for the content this call carries; an update made meanwhile waits for the next call.
    const waiting = msg.contentWaiters.splice(0);
    try {
      if (op.kind === 'post') {
        const r = await this.chat.postMessage({
          channel: msg.channel,
          text: content.text,
          ...(content.blocks ? { blocks: content.blocks } : {}),
          ...(msg.parent?.ts ? { thread_ts: msg.parent.ts } : {}),
          ...(msg.metadata ? { metadata: msg.metadata } : {}),
        });
        if (!r.ts) throw Object.assign(new Error('chat.postMessage returned no ts'), { code: 'no_ts' });
        this.opts.observe?.(method, 'ok');
        ch.ops.shift();
        msg.state = 'sent';
        msg.ts = r.ts;
        // Posted to a user ID: updates must name the DM's channel ID (chat.update refuses a user ID).
        if (r.channel && !msg.parent) msg.channel = r.channel;
        msg.sentJson = json;
        msg.retries = 0;
        msg.rateLimited = 0;
        msg.settle(r.ts);
        for (const w of waiting) w(undefined);
        if (JSON.stringify(contentOf(msg)) !== json) this.queueUpdate(msg);
      } else {
        await this.chat.update({
          channel: msg.channel,
          ts: msg.ts!,
          text: content.text,
          ...(content.blocks ? { blocks: content.blocks } : {}),
        });
        this.opts.observe?.(method, 'ok');
        ch.ops.shift();
        msg.sentJson = json;
        msg.retries = 0;
        msg.rateLimited = 0;
        for (const w of waiting) w(undefined);
      }
    } catch (err) {
      const c = classifySlackError(err);
      const retry =
        (c.kind === 'rate-limited' && msg.rateLimited++ < this.maxRateLimitRetries) ||
        (c.kind === 'transient' && msg.retries++ < this.maxRetries);
      if (retry) {
        this.opts.observe?.(method, c.kind === 'rate-limited' ? 'rate_limited' : 'retry');
        const pause =
          c.kind === 'rate-limited' ? Math.max(c.retryAfterMs, this.interval) : this.interval * 2 ** msg.retries;
        ch.nextAt = Math.max(ch.nextAt, this.clock.now() + pause);
        // The operation stays at the head of the queue and is sent again with the latest content.
        if (op.kind === 'post') msg.state = 'queued';
        else msg.updateQueued = true;
        msg.contentWaiters.unshift(...waiting);
        return;
      }
      this.opts.observe?.(method, 'error');
      ch.ops.shift();
      this.opts.onFailure?.({
        method,
        channel: msg.channel,
        error: c.kind === 'transient' || c.kind === 'rate-limited' ? c.kind : c.code,
        failure: c,
      });
      for (const w of waiting) w(c);
      if (op.kind === 'post') this.fail(msg, c);
    }
  }
}

function settleWaiters(msg: Msg, failure: SlackFailure | undefined): void {
  for (const w of msg.contentWaiters.splice(0)) w(failure);
}
