import type { types } from '@slack/bolt';

/** Block Kit shapes (from `@slack/types`, re-exported by Bolt). */
export type KnownBlock = types.KnownBlock;
export type InputBlock = types.InputBlock;
export type ModalView = types.ModalView;
export type PlainTextOption = types.PlainTextOption;
export type Button = types.Button;

/** A message as the features build it and the notifier sends it: fallback text and, usually, its blocks. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}
