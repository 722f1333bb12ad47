/** `/sip-setup list` and `/sip-setup show <name>` (anyone may read). */
import { driftOf } from '../../domain/binding-resources';
import { code } from '../../slack/mrkdwn';
import { bindingChartButton } from '../trends/chart-button';
import type { SubcommandContext } from '../../slack/subcommand-router';
import type { SipSetupContext } from './context';
import { readActual } from './livekit-state';
import { HealthStatusStore } from '../health/status-store';
import { parseListArgs } from './list-message';
import { listMessage, showMessage } from './messages';

export function listHandler(ctx: Pick<SipSetupContext, 'repos' | 'logger'>): (c: SubcommandContext) => Promise<void> {
  const statuses = new HealthStatusStore(ctx.repos.meta, ctx.logger);
  return async ({ args, argv }) => {
    const q = parseListArgs(argv);
    if ('usage' in q) {
      await args.ack({ response_type: 'ephemeral', text: q.usage });
      return;
    }
    const [bindings, known] = await Promise.all([ctx.repos.bindings.list(), statuses.knownStatuses()]);
    const byName = Object.fromEntries(Object.entries(known).map(([name, k]) => [name, k.status]));
    await args.ack({ response_type: 'ephemeral', ...listMessage(bindings, byName, q) });
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
    const blocks = [...msg.blocks, { type: 'actions' as const, elements: [bindingChartButton(binding.id)] }];
    await args.respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks });
  };
}
