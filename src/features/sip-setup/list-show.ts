/** `/sip-setup list` and `/sip-setup show <name>` (anyone may read). */
import { driftOf } from '../../domain/binding-resources';
import { code } from '../../slack/mrkdwn';
import type { SubcommandContext } from '../../slack/subcommand-router';
import type { SipSetupContext } from './context';
import { readActual } from './livekit-state';
import { listMessage, showMessage } from './messages';

export function listHandler(ctx: Pick<SipSetupContext, 'repos'>): (c: SubcommandContext) => Promise<void> {
  return async ({ args }) => {
    const bindings = await ctx.repos.bindings.list();
    await args.ack({ response_type: 'ephemeral', ...listMessage(bindings) });
  };
}

export function showHandler(ctx: Pick<SipSetupContext, 'repos' | 'livekit'>): (c: SubcommandContext) => Promise<void> {
  return async ({ args, argv }) => {
    const name = (argv[0] ?? '').toLowerCase();
    if (!name) {
      await args.ack({ response_type: 'ephemeral', text: 'Usage: `/sip-setup show <name>`. `/sip-setup list` shows the names.' });
      return;
    }
    const binding = await ctx.repos.bindings.get(name);
    if (!binding) {
      await args.ack({ response_type: 'ephemeral', text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.` });
      return;
    }
    await args.ack({ response_type: 'ephemeral', text: `Reading binding ${code(name)} from LiveKit…` });
    const actual = await readActual(ctx.livekit, binding.resources);
    const msg = actual.ok ? showMessage(binding, actual.value, driftOf(binding, binding.resources, actual.value)) : showMessage(binding, undefined, [], actual.error);
    await args.respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
  };
}
