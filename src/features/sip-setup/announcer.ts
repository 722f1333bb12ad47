import type { Logger } from 'pino';
import type { SlackMessage } from '../../slack/block-kit';
import type { PacedNotifier } from '../../slack/paced-notifier';

/**
 * Posts in a binding's report channel through the app's shared paced notifier. Best effort: the bot
 * may not be a member; the notifier logs that, nothing is thrown.
 */
export function announcer(
  logger: Logger,
  notifier: () => PacedNotifier | undefined,
): (channel: string, msg: SlackMessage) => Promise<void> {
  return async (channel, msg) => {
    const n = notifier();
    if (!n) return;
    const ts = await n.post(channel, msg).posted;
    if (!ts) logger.warn({ channel }, 'could not announce in the report channel (is the bot a member?)');
  };
}
