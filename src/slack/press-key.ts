import type { BlockAction } from '@slack/bolt';
import { createHash } from 'node:crypto';

/**
 * What makes one press of a button: who pressed which button (action, value, block) on which
 * message or view, at which `action_ts`. Slack's retries (`x-slack-retry-num`) and a replayed
 * signed payload carry the same fields, so they have the same key; a second real click has its
 * own `action_ts`. Pure: a hash, so the stored key holds no payload text.
 */
export function pressKey(
  body: BlockAction,
  action: { action_id: string; block_id?: string; action_ts?: string; value?: string },
): string {
  const where = body.container?.message_ts ?? body.container?.view_id ?? body.view?.id ?? '';
  const parts = [
    body.team?.id ?? '',
    body.user.id,
    body.container?.channel_id ?? body.channel?.id ?? '',
    where,
    action.block_id ?? '',
    action.action_id,
    action.value ?? '',
    action.action_ts ?? '',
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
