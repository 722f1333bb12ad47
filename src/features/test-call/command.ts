/**
 * `/sip-test-call <binding> <number> [timeout]` and `/sip-test-call <binding> loopback [did]`: parse,
 * guard and ack within Slack's 3 s with an ephemeral line; an admitted call starts after the ack.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseLoopbackText } from '../../domain/loopback';
import { parseTestCallText } from '../../domain/test-call';
import type { StartCall, TestCallAdmission } from './admission';
import { loopbackAckText, loopbackUsageText } from './loopback-messages';
import { ackText, badInputText, refusalText } from './messages';

export const TEST_CALL_COMMAND = '/sip-test-call';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function commandHandler(admission: TestCallAdmission, start: StartCall): (args: CommandArgs) => Promise<void> {
  return async ({ command, ack, respond }) => {
    const who = { channelId: command.channel_id, userId: command.user_id };
    const denied = admission.precheck(who);
    if (denied) {
      await ack({ response_type: 'ephemeral', text: refusalText(denied) });
      return;
    }
    const loop = parseLoopbackText(command.text ?? '');
    if (loop) {
      if (!loop.ok) {
        await ack({ response_type: 'ephemeral', text: loopbackUsageText(loop.error) });
        return;
      }
      const prepared = await admission.prepareLoopback({ ...who, args: loop.value });
      await ack({ response_type: 'ephemeral', text: prepared.ok ? loopbackAckText(prepared.plan) : prepared.text });
      if (prepared.ok) start(prepared.plan, respond);
      return;
    }
    const parsed = parseTestCallText(command.text ?? '');
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: badInputText(parsed.error) });
      return;
    }
    const prepared = await admission.prepareSafely({ ...who, args: parsed.value });
    if (!prepared.ok) {
      await ack({ response_type: 'ephemeral', text: prepared.text });
      return;
    }
    await ack({ response_type: 'ephemeral', text: ackText(prepared.plan) });
    start(prepared.plan, respond);
  };
}
