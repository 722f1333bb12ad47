/** What the inbound call tests read back from the Slack stand-in. */
import { eventually, type Harness } from './app-harness';
import { renderMessage } from './slack-render';
import type { SlackMessage } from './slack-standin';

/** Chat calls to a channel (posts, replies, updates), oldest first. */
export function chatCalls(h: Harness, channel: string) {
  return h.slack.calls.filter(
    (c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === channel,
  );
}

/** A parent's latest version and its replies, as one text. */
export function threadText(h: Harness, parent: SlackMessage): string {
  const { parent: p, replies } = h.slack.thread(parent.channel, parent.ts);
  return [
    renderMessage((p ?? parent).versions.at(-1) as Record<string, unknown>),
    ...replies.map((r) => `  ↳ ${r.text}`),
  ].join('\n');
}

/**
 * Waits until the webhooks are delivered, the service has no work in flight (events processed and
 * what they queued delivered to Slack) and no Slack call arrived for `quietMs` (longer than the
 * pacing interval; it covers timers such as the agent watchdog that start work later).
 */
export async function settled(h: Harness, quietMs: number): Promise<void> {
  await h.livekit.flushWebhooks();
  await eventually(
    async () => {
      if (h.deps.inflight.size > 0) return false;
      const before = h.slack.calls.length;
      await new Promise((r) => setTimeout(r, quietMs));
      return h.slack.calls.length === before && h.deps.inflight.size === 0;
    },
    25_000,
    'Slack traffic to settle',
  );
}
