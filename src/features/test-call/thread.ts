import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { slackErrorCode } from '../../slack/errors';
import type { MessageHandle, PacedNotifier } from '../../slack/paced-notifier';
import type { SlackMessage } from './messages';

/**
 * The Slack side of one test call: a parent message in the channel, milestones in its thread
 * (posted in order without holding up the call), and the parent updated with the verdict. Every
 * call goes through the app's paced notifier, so a test call shares the channel's pace with the
 * other features posting there. When the bot cannot post in the channel (not_in_channel,
 * channel_not_found, …) it falls back to the command's or button's `response_url` (usable without
 * channel membership, 5 times): one notice now and the verdict at the end.
 */
export class CallThread {
  private parent: MessageHandle | undefined;
  private postedAt: { channel: string; ts: string } | undefined;
  private replies: Array<Promise<string | undefined>> = [];
  private fallbackError: string | undefined;

  constructor(
    private readonly notifier: PacedNotifier,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly respond: RespondFn | undefined,
  ) {}

  get posted(): { channel: string; ts: string } | undefined {
    return this.postedAt;
  }

  get fallback(): string | undefined {
    return this.fallbackError;
  }

  async start(msg: SlackMessage, notice: (error: string) => string): Promise<void> {
    const parent = this.notifier.post(this.channel, msg);
    const ts = await parent.posted;
    if (ts) {
      this.parent = parent;
      this.postedAt = { channel: parent.channel, ts };
      return;
    }
    this.fallbackError = parent.failure?.code ?? 'no_ts';
    this.logger.info(
      { channel: this.channel, error: this.fallbackError },
      'test call: cannot post in the channel, using response_url',
    );
    await this.viaResponseUrl({
      response_type: 'ephemeral',
      replace_original: false,
      text: notice(this.fallbackError),
    });
  }

  /** Queue a thread reply; never throws, never delays the caller. */
  reply(text: string): void {
    const parent = this.parent;
    if (!parent) return;
    // Each milestone is its own reply (never merged with the next one).
    const reply = this.notifier.reply(parent, { text }, { merge: false });
    this.replies.push(
      reply.posted.then((ts) => {
        if (!ts)
          this.logger.warn({ channel: parent.channel, error: reply.failure?.code }, 'test call: thread reply failed');
        return ts;
      }),
    );
  }

  /** Wait for queued replies, then show the verdict on the parent (or via response_url). */
  async finish(msg: SlackMessage): Promise<void> {
    await Promise.all(this.replies.splice(0));
    const parent = this.parent;
    if (!parent) {
      await this.viaResponseUrl({
        response_type: 'in_channel',
        replace_original: false,
        text: msg.text,
        blocks: msg.blocks,
      });
      return;
    }
    const failure = await this.notifier.update(parent, msg);
    if (!failure) return;
    this.logger.warn(
      { channel: parent.channel, error: failure.code },
      'test call: updating the parent failed; posting the result in the thread',
    );
    const result = this.notifier.reply(parent, msg, { merge: false });
    if (!(await result.posted))
      this.logger.warn(
        { channel: parent.channel, error: result.failure?.code },
        'test call: posting the result failed',
      );
  }

  private async viaResponseUrl(body: Parameters<RespondFn>[0]): Promise<void> {
    if (!this.respond) {
      this.logger.warn({ channel: this.channel }, 'test call: no response_url to fall back to');
      return;
    }
    try {
      await this.respond(body);
    } catch (err) {
      this.logger.warn({ channel: this.channel, error: slackErrorCode(err) }, 'test call: response_url post failed');
    }
  }
}
