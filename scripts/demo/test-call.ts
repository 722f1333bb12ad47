import type { Harness } from '../../test/support/app-harness';
import { SUPPORT_CHANNEL, eventually } from '../../test/support/app-harness';
import { seedBinding } from '../../test/support/fixtures';
import { renderMessage, unescapeSlack } from '../../test/support/slack-render';
import type { SlackMessage } from '../../test/support/slack-standin';

const ENGINEER = 'USUPPORT7';

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`test-call demo: ${what}`);
}

/** One test call from #support: the ephemeral ack, then the parent message and its thread as Slack shows them. */
async function testCall(
  h: Harness,
  say: (line: string) => void,
  text: string,
  number: string,
): Promise<{ parent: SlackMessage; replies: SlackMessage[] }> {
  say(`@${ENGINEER} in #${SUPPORT_CHANNEL} types: /sip-test-call ${text}`);
  const res = await h.client.command({
    command: '/sip-test-call',
    text,
    user_id: ENGINEER,
    channel_id: SUPPORT_CHANNEL,
  });
  const ack = res.body as { response_type?: string; text?: string };
  check(
    res.status === 200 && ack.response_type === 'ephemeral',
    `the command was not acknowledged ephemerally (HTTP ${res.status})`,
  );
  say(`SIP Ops (only visible to you): ${unescapeSlack(ack.text ?? '')}`);
  const parent = await eventually(
    () =>
      h.slack
        .topLevel(SUPPORT_CHANNEL)
        .find((m) => m.versions[0]?.text.includes(`to ${number}: dialing`) && m.edits > 0),
    10_000,
    `the verdict of the call to ${number}`,
  );
  const { replies } = h.slack.thread(SUPPORT_CHANNEL, parent.ts);
  say(`#${SUPPORT_CHANNEL} (first posted as "${parent.versions[0]!.text}", then updated):`);
  for (const line of renderMessage({ blocks: parent.blocks }).split('\n')) say(`  │ ${line}`);
  for (const r of replies) say(`  ↳ ${renderMessage(r.args)}`);
  say('');
  return { parent, replies };
}

export async function run(h: Harness, say: (line: string) => void): Promise<void> {
  const binding = await seedBinding(h.deps, {
    name: 'demo-calls',
    trunkDomain: 'demo.pstn.sinch.com',
    dids: ['+14155557700'],
    callerId: '+14155557700',
    reportChannel: SUPPORT_CHANNEL,
  });
  say(
    `Binding ${binding.name} is in place (outbound trunk ${binding.resources.outboundTrunkId} → ${binding.trunkDomain}, caller ID ${binding.callerId}).`,
  );
  say(
    `The LiveKit emulator will answer +14155550123 and reject +14155550403 with SIP 403, as EST does when its ACL lacks LiveKit's IP.\n`,
  );
  h.livekit.setCallOutcome('+14155550123', { kind: 'answer', afterMs: 120 });
  h.livekit.setCallOutcome('+14155550403', { kind: 'reject', sipStatus: 403, afterMs: 80 });

  const answered = await testCall(h, say, `${binding.name} +1 (415) 555-0123 20`, '+14155550123');
  check(answered.parent.text.includes('answered in'), `the answered call shows "${answered.parent.text}"`);
  const steps = answered.replies.map((r) => r.text);
  check(
    steps.length === 3 &&
      steps[0]!.startsWith('☎️ Dialing') &&
      steps[1]!.startsWith('✅ Answered') &&
      steps[2]!.startsWith('📴 Hung up'),
    `unexpected thread: ${steps.join(' | ')}`,
  );
  check(!h.livekit.rooms().some((r) => r.name.startsWith('sipops-test-')), 'a test-call room was left behind');

  const failed = await testCall(h, say, `${binding.name} +14155550403`, '+14155550403');
  check(
    failed.parent.text.includes('failed (SIP 403 Forbidden)') && failed.parent.text.includes('Sinch refused the call'),
    `the failed call shows "${failed.parent.text}"`,
  );
  check(
    !h.livekit.rooms().some((r) => r.name.startsWith('sipops-test-')),
    'a test-call room was left behind after the failure',
  );

  const records = (
    await h.deps.repos.calls.listSince('2000-01-01T00:00:00Z', { direction: 'test', bindingName: binding.name })
  ).map((c) => `${c.callee} ${c.outcome} ${c.sipStatus ?? '-'}`);
  check(
    records.join(',') === '+14155550123 answered 200,+14155550403 failed 403',
    `unexpected call records: ${records.join(', ')}`,
  );
  say(`Recorded for the daily summary: ${records.join('; ')}.`);
}
