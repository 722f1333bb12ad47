import type { Harness } from '../../test/support/app-harness';
import { ADMIN_USER, OPS_CHANNEL } from '../../test/support/app-harness';
import { unescapeSlack } from '../../test/support/slack-render';

export async function run(h: Harness, say: (line: string) => void): Promise<void> {
  say(`Service listening on ${h.base} (Slack requests at /slack/events, LiveKit webhooks at /livekit/webhook)`);
  const health = await fetch(`${h.base}/healthz`);
  say(`GET /healthz → ${health.status} ${await health.text()}`);
  if (health.status !== 200) throw new Error('/healthz is not 200');
  const ready = await fetch(`${h.base}/readyz`);
  const readyBody = await ready.text();
  say(`GET /readyz  → ${ready.status} ${readyBody}`);
  if (ready.status !== 200) throw new Error(`/readyz is not 200: ${readyBody}`);

  say('');
  say(`@${ADMIN_USER} in #${OPS_CHANNEL} types: /sip-setup help`);
  const res = await h.client.command({
    command: '/sip-setup',
    text: 'help',
    user_id: ADMIN_USER,
    channel_id: OPS_CHANNEL,
  });
  if (res.status !== 200) throw new Error(`/sip-setup help answered HTTP ${res.status}`);
  const body = res.body as { text?: string; response_type?: string };
  if (!body.text?.includes('/sip-setup')) throw new Error('help text missing');
  say(`SIP Ops (only visible to you):`);
  for (const line of unescapeSlack(body.text).split('\n')) say(`  ${line}`);
}
