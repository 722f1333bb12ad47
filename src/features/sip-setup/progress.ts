import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SlackMessage } from '../../slack/block-kit';
import { slackErrorCode } from '../../slack/errors';

export interface PostedMessage {
  channel: string;
  ts: string;
}

/**
 * One message that is posted once and then updated in place (progress → result). Updates are
 * serialized and coalesced: while one is in flight only the newest pending content is sent.
 * Falls back to a DM with the user when the bot cannot post in the channel.
 */
export class ProgressMessage {
  private posted: PostedMessage | undefined;
  private chain: Promise<void> = Promise.resolve();
  private pending: SlackMessage | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly user: string,
  ) {}

  get message(): PostedMessage | undefined {
    return this.posted;
  }

  /** Post or update; resolves when this content (or a newer one) is on Slack. */
  show(content: SlackMessage): Promise<void> {
    this.pending = content;
    this.chain = this.chain.then(() => this.flush());
    return this.chain;
  }

  private async flush(): Promise<void> {
    const content = this.pending;
    if (!content) return;
    this.pending = undefined;
    try {
      if (!this.posted) {
        this.posted = await this.post(content);
      } else {
        await this.client.chat.update({
          channel: this.posted.channel,
          ts: this.posted.ts,
          text: content.text,
          blocks: content.blocks,
        });
      }
    } catch (err) {
      this.logger.warn({ err, channel: this.channel }, 'progress message: Slack call failed');
    }
  }

  private async post(content: SlackMessage): Promise<PostedMessage | undefined> {
    for (const channel of [this.channel, this.user]) {
      if (!channel) continue;
      try {
        const r = await this.client.chat.postMessage({
          channel,
          text: content.text,
          blocks: content.blocks,
          unfurl_links: false,
          unfurl_media: false,
        });
        if (r.ok && r.ts && r.channel) return { channel: r.channel, ts: r.ts };
      } catch (err) {
        const code = slackErrorCode(err);
        this.logger.info({ channel, code }, 'progress message: cannot post here, trying the next place');
      }
    }
    return undefined;
  }
}
