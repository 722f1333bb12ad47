import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackErrorCode } from '../../slack/errors';
import type { SlackMessage } from './messages';

/**
 * The Slack side of one test call: a parent message in the channel, milestones in its thread
 * (posted in order without holding up the call), and the parent updated with the verdict.
 * When the bot cannot post in the channel (not_in_channel, channel_not_found, …) it falls back
 * to the command's or button's `response_url` (usable without channel membership, 5 times):
 * one notice now and the verdict at the end.
 */
export class CallThread {
  private parent: { channel: string; ts: string } | undefined;
  private chain: Promise<void> = Promise.resolve();
  private fallbackError: string | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly respond: RespondFn | undefined,
  ) {}

  get posted(): { channel: string; ts: string } | undefined {
    return this.parent;
  }

  get fallback(): string | undefined {
    return this.fallbackError;
  }

  async start(msg: SlackMessage, notice: (error: string) => string): Promise<void> {
    try {
      const r = await this.client.chat.postMessage({
        channel: this.channel,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      if (r.ok && r.ts) {
        this.parent = { channel: r.channel ?? this.channel, ts: r.ts };
        return;
      }
      this.fallbackError = r.error ?? 'no_ts';
    } catch (err) {
      this.fallbackError = slackErrorCode(err);
    }
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
    this.chain = this.chain.then(async () => {
      try {
        await this.client.chat.postMessage({
          channel: parent.channel,
          thread_ts: parent.ts,
          text,
          unfurl_links: false,
          unfurl_media: false,
        });
      } catch (err) {
        this.logger.warn({ channel: parent.channel, error: slackErrorCode(err) }, 'test call: thread reply failed');
      }
    });
  }

  /** Wait for queued replies, then show the verdict on the parent (or via response_url). */
  async finish(msg: SlackMessage): Promise<void> {
    await this.chain;
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
    try {
      await this.client.chat.update({ channel: parent.channel, ts: parent.ts, text: msg.text, blocks: msg.blocks });
    } catch (err) {
      this.logger.warn(
        { channel: parent.channel, error: slackErrorCode(err) },
        'test call: updating the parent failed; posting the result in the thread',
      );
      try {
        await this.client.chat.postMessage({
          channel: parent.channel,
          thread_ts: parent.ts,
          text: msg.text,
          blocks: msg.blocks,
          unfurl_links: false,
        });
      } catch (err2) {
        this.logger.warn(
          { channel: parent.channel, error: slackErrorCode(err2) },
          'test call: posting the result failed',
        );
      }
    }
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
