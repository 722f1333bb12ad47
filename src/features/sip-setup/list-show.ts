/** `/sip-setup list` and `/sip-setup show <name>` (anyone may read). */
import type { Binding } from '../../domain/binding';
import { driftOf } from '../../domain/binding-resources';
import { estDesiredFor, estDrift, runEstChecks } from '../../domain/est-checks';
import {
  TEST_DESTINATION_DAYS,
  countryFinding,
  destinationsByBinding,
  disabledCountries,
} from '../../domain/est-countries';
import { readEstSnapshot } from '../../sinch/snapshot';
import type { KnownBlock } from '../../slack/block-kit';
import { bindingChartButton } from '../../slack/chart-button';
import { code } from '../../slack/mrkdwn';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { HealthStatusStore } from '../../store/health-status-store';
import type { SipSetupContext } from './context';
import { parseListArgs } from './list-message';
import { readActual } from './livekit-state';
import { estShowBlocks, listMessage, showMessage } from './messages';

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

/** The EST side of `show`: desired vs actual with drift, or why it cannot be read. */
async function estBlocks(
  ctx: Pick<SipSetupContext, 'sinch' | 'lookupIpv4' | 'repos' | 'now'>,
  binding: Binding,
): Promise<KnownBlock[]> {
  if (!ctx.sinch) return estShowBlocks(binding, { state: 'no-key' });
  try {
    const ip = binding.auth.kind === 'acl' ? await ctx.lookupIpv4(binding.livekitSipHost) : undefined;
    const desired = estDesiredFor(binding, ip);
    const since = new Date(ctx.now().getTime() - TEST_DESTINATION_DAYS * 86_400_000).toISOString();
    const [actual, permissions, calls] = await Promise.all([
      readEstSnapshot(ctx.sinch, binding),
      ctx.sinch.listCountryPermissions(),
      ctx.repos.calls.listSince(since, { direction: 'test', bindingName: binding.name }),
    ]);
    const destinations = destinationsByBinding(calls).get(binding.name) ?? [];
    return estShowBlocks(binding, {
      state: 'read',
      findings: [
        ...runEstChecks(desired, actual),
        countryFinding(disabledCountries({ callerId: binding.callerId, destinations }, permissions)),
      ],
      drift: estDrift(desired, actual),
    });
  } catch (err) {
    return estShowBlocks(binding, { state: 'error', error: (err as Error).message });
  }
}

export function showHandler(
  ctx: Pick<SipSetupContext, 'repos' | 'livekit' | 'sinch' | 'lookupIpv4' | 'now'>,
): (c: SubcommandContext) => Promise<void> {
  return async ({ args, argv }) => {
    const name = (argv[0] ?? '').toLowerCase();
    if (!name) {
      await args.ack({
        response_type: 'ephemeral',
        text: 'Usage: `/sip-setup show <name>`. `/sip-setup list` shows the names.',
      });
      return;
    }
    const binding = await ctx.repos.bindings.get(name);
    if (!binding) {
      await args.ack({
        response_type: 'ephemeral',
        text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.`,
      });
      return;
    }
    await args.ack({ response_type: 'ephemeral', text: `Reading binding ${code(name)} from LiveKit…` });
    const actual = await readActual(ctx.livekit, binding.resources);
    const msg = actual.ok
      ? showMessage(binding, actual.value, driftOf(binding, binding.resources, actual.value))
      : showMessage(binding, undefined, [], actual.error);
    const blocks: KnownBlock[] = [
      ...(msg.blocks ?? []),
      ...(await estBlocks(ctx, binding)),
      { type: 'actions', elements: [bindingChartButton(binding.id)] },
    ];
    await args.respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks });
  };
}
