import type { Logger } from 'pino';
import type { SlackMessage } from '../../slack/block-kit';
import { isChannelAccess } from '../../slack/errors';
import type { MessageHandle, PacedNotifier } from '../../slack/paced-notifier';

export interface PostedMessage {
  channel: string;
  ts: string;
}

/**
 * One message that is posted once and then updated in place (progress → result), through the app's
 * paced notifier (so it shares the channel's pace with every other feature; updates made while one is
 * waiting are coalesced into one call carrying the newest content). Falls back to a DM with the user
 * when the bot cannot post in the channel.
 */
export class ProgressMessage {
  private handle: Promise<MessageHandle | undefined> | undefined;
  private posted: PostedMessage | undefined;

  constructor(
    private readonly notifier: PacedNotifier,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly user: string,
  ) {}

  get message(): PostedMessage | undefined {
    return this.posted;
  }

  /**
   * Post or update; resolves when this content (or a newer one) is on Slack, or when that failed (logged).
   * Updates are handed to the notifier at once, so those made while one waits are coalesced; after a
   * failed post the next content is posted again (channel, then DM).
   */
  async show(content: SlackMessage): Promise<void> {
    const pending = this.handle;
    if (!pending) {
      this.handle = this.post(content);
      await this.handle;
      return;
    }
    const handle = await pending;
    if (!handle) {
      if (this.handle === pending) this.handle = undefined;
      return this.show(content);
    }
    const failure = await this.notifier.update(handle, content);
    if (failure) this.logger.warn({ channel: handle.channel, code: failure.code }, 'progress message: update failed');
  }

  private async post(content: SlackMessage): Promise<MessageHandle | undefined> {
    for (const channel of [this.channel, this.user]) {
      if (!channel) continue;
      const handle = this.notifier.post(channel, content);
      const ts = await handle.posted;
      if (ts) {
        this.posted = { channel: handle.channel, ts };
        return handle;
      }
      // Only a channel the bot cannot post in sends it to the DM; a Slack outage would fail there too.
      const failure = handle.failure;
      if (!failure || !isChannelAccess(failure)) {
        this.logger.warn({ channel, code: failure?.code }, 'progress message: could not post');
        return undefined;
      }
      this.logger.info({ channel, code: failure.code }, 'progress message: cannot post here, trying the next place');
    }
    return undefined;
  }
}
