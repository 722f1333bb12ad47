/**
 * `/sip-setup import <name> inbound=… rule=… outbound=…`: adopt resources made with `lk` as a
 * binding. The arguments are parsed and checked by `domain/import-args.ts` (the form's own
 * validators); what LiveKit holds must fit together as a binding and pass the form's checks too.
 */
import type { BindingSpec } from '../../domain/binding';
import { specFromResources, type ActualResources } from '../../domain/binding-resources';
import { planUpdate, type ChangeStep } from '../../domain/change-plan';
import { planEstCreate } from '../../domain/est-plan';
import { importedSpecErrors, parseImportArgs, type ImportArgs } from '../../domain/import-args';
import { SinchError } from '../../sinch/errors';
import type { SinchGateway } from '../../sinch/gateway';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { isAdmin, refusal, type SipSetupContext } from './context';
import { estNumberProblems } from './cross-checks';
import { hostLabel } from './est-steps';
import { readActual } from './livekit-state';
import { runChange } from './run-change';

type Adoption = { ok: true; spec: BindingSpec; steps: ChangeStep[]; notes: string[] } | { ok: false; text: string };

const refused = (text: string): Adoption => ({ ok: false, text });

function missingText(a: ImportArgs, actual: ActualResources): string | undefined {
  const missing = [
    !actual.inbound && `inbound trunk ${code(a.inboundTrunkId)}`,
    !actual.rule && `dispatch rule ${code(a.dispatchRuleId)}`,
    !actual.outbound && `outbound trunk ${code(a.outboundTrunkId)}`,
  ].filter(Boolean);
  if (!missing.length) return undefined;
  return `❌ Not found in LiveKit: ${missing.join(', ')}. Check the IDs with \`lk sip inbound list\`, \`lk sip dispatch list\`, \`lk sip outbound list\`. Nothing was imported.`;
}

type AdoptionContext = {
  livekit: SipSetupContext['livekit'];
  repos: Pick<SipSetupContext['repos'], 'bindings'>;
} & Partial<Pick<SipSetupContext, 'sinch' | 'lookupIpv4' | 'conflictCheckMs'>>;

/** The EST trunk `ref` names: its ID first, then its host name (or the domain's first label). */
async function findEstTrunk(sinch: SinchGateway, ref: string): Promise<{ id: string; hostName: string } | undefined> {
  try {
    const t = await sinch.getTrunk(ref);
    return { id: t.id, hostName: t.hostName };
  } catch (err) {
    if (!(err instanceof SinchError && err.kind === 'not-found')) throw err;
  }
  const host = ref.toLowerCase();
  const t = (await sinch.listTrunks()).find(
    (x) => x.hostName.toLowerCase() === host || hostLabel(x.domain ?? '') === host,
  );
  return t ? { id: t.id, hostName: t.hostName } : undefined;
}

/**
 * `est-trunk=`: the imported binding manages its EST side on that trunk, checked as the form checks a managed
 * binding (the trunk is the one LiveKit dials, the DIDs are the project's and on no other trunk, LiveKit's IP is
 * known for the ACL). The trunk is adopted (never deleted with the binding); what it lacks is added in the change.
 */
async function adoptEstSide(
  ctx: AdoptionContext,
  ref: string,
  spec: BindingSpec,
): Promise<{ ok: true; steps: ChangeStep[]; note: string } | { ok: false; text: string }> {
  const no = (why: string) => ({ ok: false as const, text: `❌ ${why} Nothing was imported.` });
  const sinch = ctx.sinch;
  if (!sinch)
    return no('`est-trunk=` needs a Sinch access key (`SINCH_PROJECT_ID`, `SINCH_KEY_ID`, `SINCH_KEY_SECRET`).');
  if (spec.auth.kind === 'digest')
    return no(
      '`est-trunk=` is for ACL bindings: the digest password is never read from LiveKit, so the EST credential list could not be set. Import without `est-trunk=`, then edit the binding, choose EST side "Managed by SIP Ops" and enter the password.',
    );
  let trunk: { id: string; hostName: string } | undefined;
  try {
    trunk = await findEstTrunk(sinch, ref);
  } catch (err) {
    return no(`Could not read EST trunks: ${escapeMrkdwn(err instanceof Error ? err.message : String(err))}.`);
  }
  if (!trunk) return no(`The Sinch project has no EST trunk with the ID or host name ${code(ref)}.`);
  if (trunk.hostName.toLowerCase() !== hostLabel(spec.trunkDomain))
    return no(
      `EST trunk ${code(trunk.id)} has host name ${code(trunk.hostName)}, but LiveKit's outbound trunk dials ${code(spec.trunkDomain)}: they are not the same trunk.`,
    );
  const managed: BindingSpec = { ...spec, est: { side: 'managed' } };
  const dids = await estNumberProblems({ sinch, conflictCheckMs: ctx.conflictCheckMs ?? 5000 }, managed, undefined);
  if (dids) return no(escapeMrkdwn(dids.replace(/ Nothing was (created|changed)[^]*$/, '')));
  const ip = ctx.lookupIpv4 ? await ctx.lookupIpv4(spec.livekitSipHost) : undefined;
  if (!ip)
    return no(`${code(spec.livekitSipHost)} has no IPv4 address, so the EST ACL cannot allow LiveKit. Give \`host=\`.`);
  return {
    ok: true,
    steps: planEstCreate(managed, ip),
    note: `EST side managed on the existing trunk ${code(trunk.id)} (${code(trunk.hostName)}): adopted, never deleted with the binding.`,
  };
}

/** Reads the resources and decides whether (and how) they can become binding `a.name`. */
export async function prepareAdoption(ctx: AdoptionContext, a: ImportArgs): Promise<Adoption> {
  const ids = {
    inboundTrunkId: a.inboundTrunkId,
    dispatchRuleId: a.dispatchRuleId,
    outboundTrunkId: a.outboundTrunkId,
  };
  const actual = await readActual(ctx.livekit, ids);
  if (!actual.ok) return refused(`❌ Could not read LiveKit: ${escapeMrkdwn(actual.error)}. Nothing was imported.`);
  const { inbound, rule, outbound } = actual.value;
  if (!inbound || !rule || !outbound) return refused(missingText(a, actual.value) ?? '');
  const result = specFromResources({
    name: a.name,
    inbound,
    rule,
    outbound,
    livekitSipHost: a.livekitSipHost,
    reportChannel: a.reportChannel,
  });
  const problemLines = result.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️'} ${escapeMrkdwn(p.text)}`);
  const formErrors = result.ok ? importedSpecErrors(result.spec) : [];
  for (const e of formErrors) problemLines.push(`❌ ${escapeMrkdwn(e)}`);
  const owned = (await ctx.repos.bindings.list()).filter(
    (b) =>
      b.resources.inboundTrunkId === ids.inboundTrunkId ||
      b.resources.dispatchRuleId === ids.dispatchRuleId ||
      b.resources.outboundTrunkId === ids.outboundTrunkId,
  );
  for (const b of owned) problemLines.push(`❌ Binding ${code(b.name)} already owns some of these resources.`);
  if (!result.ok || formErrors.length || owned.length) {
    return refused(
      `❌ These resources do not fit together as a binding; nothing was imported:\n${problemLines.join('\n')}`.slice(
        0,
        3900,
      ),
    );
  }
  const plan = planUpdate(undefined, result.spec, ids, actual.value);
  if (!plan.ok) return refused(`❌ ${escapeMrkdwn(plan.reason)}`);
  const notes = problemLines.length ? [`*Imported with notes:*`, ...problemLines] : [];
  if (!a.estTrunk) return { ok: true, spec: result.spec, steps: plan.steps, notes };
  const est = await adoptEstSide(ctx, a.estTrunk, result.spec);
  if (!est.ok) return refused(est.text);
  return {
    ok: true,
    spec: { ...result.spec, est: { side: 'managed' } },
    steps: [...plan.steps, ...est.steps],
    notes: [...notes, est.note],
  };
}

export function importHandler(ctx: SipSetupContext): (c: SubcommandContext) => Promise<void> {
  return async ({ args, argv }) => {
    const { command, ack, respond } = args;
    if (!isAdmin(ctx, command.user_id)) {
      await ack({ response_type: 'ephemeral', text: refusal('import bindings') });
      return;
    }
    const parsed = parseImportArgs(argv, {
      channel: command.channel_id,
      host: new URL(ctx.config.livekit.url).hostname,
    });
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.error });
      return;
    }
    const a = parsed.value;
    if (await ctx.repos.bindings.get(a.name)) {
      await ack({
        response_type: 'ephemeral',
        text: `A binding named ${code(a.name)} exists already. Pick another name.`,
      });
      return;
    }
    const reserved = await ctx.executor.reserveFor(a.name, command.user_id);
    if (!reserved.ok) {
      await ack({
        response_type: 'ephemeral',
        text: `A change to ${code(a.name)} is in progress by @${reserved.holder}.`,
      });
      return;
    }
    await ack({
      response_type: 'ephemeral',
      text: `Reading ${code(a.inboundTrunkId)}, ${code(a.dispatchRuleId)} and ${code(a.outboundTrunkId)} from LiveKit…`,
    });
    let handedOver = false;
    try {
      const adoption = await prepareAdoption(ctx, a);
      if (!adoption.ok) {
        await respond({ response_type: 'ephemeral', replace_original: true, text: adoption.text });
        return;
      }
      const resources = {
        inboundTrunkId: a.inboundTrunkId,
        dispatchRuleId: a.dispatchRuleId,
        outboundTrunkId: a.outboundTrunkId,
      };
      const change = {
        kind: 'import' as const,
        spec: adoption.spec,
        previous: undefined,
        actor: command.user_id,
        channel: command.channel_id,
      };
      const accepted = respond({
        response_type: 'ephemeral',
        replace_original: true,
        text: `Importing ${code(a.name)}: progress is posted in this channel.`,
      });
      // Tracked before the user reads "Importing": a drain (or anyone waiting for no work in flight) from then on waits for the change.
      handedOver = true;
      void ctx.inflight.track(
        `sip-setup:import:${a.name}`,
        accepted.then(
          () => runChange(ctx, { ...change, steps: adoption.steps, resources, notes: adoption.notes }),
          () => ctx.executor.release(a.name),
        ),
      );
      await accepted;
    } finally {
      if (!handedOver) ctx.executor.release(a.name);
    }
  };
}
