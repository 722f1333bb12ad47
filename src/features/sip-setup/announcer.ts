import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

export interface SlackPost {
  text: string;
  blocks: unknown[];
}

/**
 * Posts in a binding's report channel with the notification client (or Bolt's, before it is
 * set). Best effort: the bot may not be a member; that is logged, not thrown.
 */
export function announcer(logger: Logger, client: () => WebClient | undefined): (channel: string, msg: SlackPost) => Promise<void> {
  return async (channel, msg) => {
    const c = client();
    if (!c) return;
    try {
      await c.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never, unfurl_links: false });
    } catch (err) {
      logger.warn({ err, channel }, 'could not announce in the report channel (is the bot a member?)');
    }
  };
}
