/**
 * Running one binding change after Slack was acknowledged: plan it (unless the caller did),
 * apply it through the journaled executor with a progress message kept up to date, then report
 * the result, announce it in the report channel, or record the failure and schedule a retry.
 */
import type { Binding, BindingSpec } from '../../domain/binding';
import { diffSpecs } from '../../domain/binding-input';
import { planCreate, planDelete, planUpdate, type ChangeStep } from '../../domain/change-plan';
import {
  TEST_DESTINATION_DAYS,
  countryWarningLines,
  destinationsByBinding,
  disabledCountries,
} from '../../domain/est-countries';
import { isManaged, planEstCreate, planEstDelete, planEstUpdate } from '../../domain/est-plan';
import type { ChangeKind } from '../../store/journal-repo';
import { ChangeNotStartedError, type ChangeOutcome } from './change-executor';
import type { SipSetupContext } from './context';
import { readActual } from './livekit-state';
import {
  announcement,
  deletedMessage,
  failureMessage,
  notStartedMessage,
  progressMessage,
  resultMessage,
} from './messages';
import { ProgressMessage } from './progress';

export interface RunChangeInput {
  kind: ChangeKind;
  spec: BindingSpec;
  previous: Binding | undefined;
  actor: string;
  channel: string;
  viewId?: string;
  /** Import: the resources being adopted and the plan already made. */
  steps?: ChangeStep[];
  resources?: Binding['resources'];
  notes?: string[];
  /** Delete of a managed binding: also take its DIDs off the EST trunk. */
  releaseDids?: boolean;
}

type Planned = { ok: true; steps: ChangeStep[] } | { ok: false; reason: string };

/** The steps of the change; an update reads LiveKit first and plans only what differs. */
async function planSteps(ctx: SipSetupContext, r: RunChangeInput): Promise<Planned> {
  if (r.steps) return { ok: true, steps: r.steps };
  if (r.kind === 'delete') {
    const est = r.previous
      ? planEstDelete(r.previous, r.previous.resources.est, r.releaseDids ?? false)
      : { before: [], after: [] };
    return { ok: true, steps: [...est.before, ...planDelete(r.previous?.resources ?? {}), ...est.after] };
  }
  const ip = await livekitIpFor(ctx, r.spec);
  if (!ip.ok) return ip;
  if (r.kind === 'create') return { ok: true, steps: [...planCreate(), ...planEstCreate(r.spec, ip.value)] };
  const ids = r.previous?.resources ?? {};
  const actual = await readActual(ctx.livekit, ids);
  if (!actual.ok) return { ok: false, reason: `reading the current LiveKit state failed: ${actual.error}` };
  const plan = planUpdate(r.previous, r.spec, ids, actual.value);
  if (!plan.ok) return { ok: false, reason: plan.reason };
  const est = r.previous ? planEstUpdate(r.previous, r.spec, ids.est, ip.value) : { ok: true as const, steps: [] };
  return est.ok ? { ok: true, steps: [...plan.steps, ...est.steps] } : est;
}

/** LiveKit's public IP for a managed binding in ACL mode (the ACL's /32); refused before anything is sent when unknown. */
async function livekitIpFor(
  ctx: SipSetupContext,
  spec: BindingSpec,
): Promise<{ ok: true; value: string | undefined } | { ok: false; reason: string }> {
  if (!isManaged(spec) || spec.auth.kind !== 'acl') return { ok: true, value: undefined };
  const ip = await ctx.lookupIpv4(spec.livekitSipHost);
  return ip
    ? { ok: true, value: ip }
    : {
        ok: false,
        reason: `${spec.livekitSipHost} has no IPv4 address, so the EST ACL cannot allow LiveKit. Use an IPv4 host, or digest authentication.`,
      };
}

/**
 * EST's country permissions are read only: a warning when the caller ID's country, or the country of a
 * destination the binding's test calls commonly dial, is disabled.
 */
async function countryNotes(ctx: SipSetupContext, spec: BindingSpec): Promise<string[]> {
  if (!ctx.sinch || !isManaged(spec)) return [];
  try {
    const since = new Date(ctx.now().getTime() - TEST_DESTINATION_DAYS * 86_400_000).toISOString();
    const [permissions, calls] = await Promise.all([
      ctx.sinch.listCountryPermissions(),
      ctx.repos.calls.listSince(since, { direction: 'test', bindingName: spec.name }),
    ]);
    const destinations = destinationsByBinding(calls).get(spec.name) ?? [];
    return countryWarningLines(disabledCountries({ callerId: spec.callerId, destinations }, permissions));
  } catch (err) {
    ctx.logger.warn({ err }, 'reading EST country permissions failed');
    return [];
  }
}

async function reportSuccess(
  ctx: SipSetupContext,
  r: RunChangeInput,
  outcome: Extract<ChangeOutcome, { ok: true }>,
  progress: ProgressMessage,
): Promise<void> {
  if (r.kind === 'delete') await progress.show(deletedMessage(r.spec.name, outcome.steps));
  else if (outcome.binding) {
    const ip = await ctx.lookupIpv4(outcome.binding.livekitSipHost);
    const msg = resultMessage(r.kind, outcome.binding, outcome.steps, ip, Boolean(ctx.sinch));
    const notes = [...(r.notes ?? []), ...(await countryNotes(ctx, r.spec))];
    if (notes.length)
      msg.blocks?.splice(1, 0, { type: 'section', text: { type: 'mrkdwn', text: notes.join('\n').slice(0, 2900) } });
    await progress.show(msg);
  }
  const changes = r.previous && r.kind === 'update' ? diffSpecs(r.previous, r.spec) : undefined;
  const target = r.kind === 'delete' ? r.previous?.reportChannel : outcome.binding?.reportChannel;
  if (target && target !== progress.message?.channel)
    await ctx.announce(target, announcement(r.kind, r.spec.name, r.actor, changes));
}

async function reportFailure(
  ctx: SipSetupContext,
  r: RunChangeInput,
  outcome: Extract<ChangeOutcome, { ok: false }>,
  progress: ProgressMessage,
): Promise<void> {
  await ctx.repos.audit.record(
    {
      actor: r.actor,
      action: `binding.${r.kind}_failed`,
      bindingName: r.spec.name,
      detail: `journal ${outcome.journalId}: ${outcome.reason}; rolled back: ${outcome.rolledBack}`,
    },
    ctx.now(),
  );
  await progress.show(
    failureMessage(r.kind, r.spec.name, outcome.steps, outcome.reason, outcome.rolledBack, outcome.journalId),
  );
  if (!outcome.rolledBack) ctx.scheduleRetry();
}

async function reportError(
  ctx: SipSetupContext,
  r: RunChangeInput,
  err: unknown,
  progress: ProgressMessage,
): Promise<void> {
  ctx.logger.error({ err, binding: r.spec.name }, 'binding change stopped by an error');
  if (err instanceof ChangeNotStartedError) {
    await progress.show(notStartedMessage(r.kind, r.spec.name, err.message));
    return;
  }
  // The journal says how far it got; recovery rolls it back once the cause is gone.
  await progress.show(
    failureMessage(r.kind, r.spec.name, [], `stopped by an error: ${(err as Error).message}`, false, '(see logs)'),
  );
  ctx.scheduleRetry();
}

/** Runs with the binding name reserved; always releases it. */
export async function runChange(ctx: SipSetupContext, r: RunChangeInput): Promise<ChangeOutcome | undefined> {
  const progress = new ProgressMessage(ctx.notifier(), ctx.logger, r.channel, r.actor);
  try {
    const planned = await planSteps(ctx, r);
    if (!planned.ok) {
      await progress.show(failureMessage(r.kind, r.spec.name, [], planned.reason, true, '(not started)'));
      return undefined;
    }
    const steps = planned.steps;
    await progress.show(progressMessage(r.kind, r.spec.name, r.actor, steps, 'applying'));
    const outcome = await ctx.executor.run(
      {
        kind: r.kind,
        actor: r.actor,
        spec: r.spec,
        ...(r.previous ? { previous: r.previous } : {}),
        ...(r.resources ? { resources: r.resources } : {}),
        steps,
        ...(r.viewId ? { viewId: r.viewId } : {}),
      },
      (s, phase) => void progress.show(progressMessage(r.kind, r.spec.name, r.actor, s, phase)),
    );
    if (outcome.ok) await reportSuccess(ctx, r, outcome, progress);
    else await reportFailure(ctx, r, outcome, progress);
    return outcome;
  } catch (err) {
    await reportError(ctx, r, err, progress);
    return undefined;
  } finally {
    ctx.executor.release(r.spec.name);
  }
}
