/**
 * Problems the binding form alone cannot see: names, DID ownership, LiveKit's own conflict rules.
 */
import type { Binding, BindingSpec } from '../../domain/binding';
import type { BindingFieldErrors } from '../../domain/binding-input';
import { bindingRuleConflictError, findInboundTrunkConflicts, type InboundTrunkConflict } from '../../domain/conflicts';
import { isManaged } from '../../domain/est-plan';
import { describeFailure } from '../../domain/livekit-failure';
import { NO_KEY_MESSAGE } from '../../secrets/at-rest';
import { SinchError } from '../../sinch/errors';
import { numberAssignment } from '../../sinch/gateway';
import { withTimeout } from '../../with-timeout';
import type { ModalMeta } from './binding-modal';
import type { SipSetupContext } from './context';
import { hostLabel } from './est-steps';

type CheckContext = Pick<SipSetupContext, 'repos' | 'livekit' | 'conflictCheckMs' | 'sinch' | 'config'>;

/** Create over an existing name, edit of a deleted or changed binding, a digest password with nowhere to keep it (a change already running is refused before, by the form's reservation). */
function stateErrors(
  ctx: CheckContext,
  spec: BindingSpec,
  meta: ModalMeta,
  existing: Binding | undefined,
): BindingFieldErrors {
  const errors: BindingFieldErrors = {};
  // Refused here, before LiveKit is touched: the password could not be stored after the trunks exist.
  if (spec.auth.kind === 'digest' && !ctx.config.secretsKey) errors.digestPassword = NO_KEY_MESSAGE;
  if (meta.mode === 'create' && existing)
    errors.name = `A binding named ${spec.name} exists already. Pick another name, or edit it with /sip-setup ${spec.name}.`;
  if (meta.mode === 'edit' && !existing)
    errors.trunkDomain = `Binding ${spec.name} was deleted while this form was open.`;
  if (meta.mode === 'edit' && existing && existing.version !== meta.version) {
    errors.trunkDomain = `Binding ${spec.name} was changed by ${existing.updatedBy} since you opened this form. Close it and open /sip-setup ${spec.name} again.`;
  }
  return errors;
}

/** DIDs another binding owns, as one sentence, or undefined. */
async function ownedElsewhere(ctx: CheckContext, spec: BindingSpec): Promise<string | undefined> {
  const owners: string[] = [];
  for (const other of await ctx.repos.bindings.list()) {
    if (other.name === spec.name) continue;
    const shared = other.dids.filter((d) => spec.dids.includes(d));
    if (shared.length)
      owners.push(`${shared.join(', ')} belong${shared.length === 1 ? 's' : ''} to binding ${other.name}`);
  }
  return owners.length ? `${owners.join('; ')}. A DID can be in one binding only.` : undefined;
}

export function conflictsText(conflicts: InboundTrunkConflict[]): string {
  const list = conflicts
    .slice(0, 3)
    .map((c) =>
      c.numbers.length
        ? `${c.numbers.join(', ')} on trunk ${c.trunkId} (${c.trunkName || 'unnamed'})`
        : `wildcard trunk ${c.trunkId} (${c.trunkName || 'unnamed'})`,
    )
    .join('; ');
  return `LiveKit would refuse these DIDs: ${list}${conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : ''}. Remove them there (lk sip inbound delete …) or import that trunk.`;
}

/** LiveKit's rule: a DID on one inbound trunk only (bounded by `conflictCheckMs`). */
async function livekitConflicts(
  ctx: CheckContext,
  spec: BindingSpec,
  existing: Binding | undefined,
): Promise<string | undefined> {
  const inbound = await withTimeout(ctx.livekit.listInboundTrunks(), ctx.conflictCheckMs, () => 'timeout' as const);
  if (inbound === 'timeout' || !inbound.ok) {
    const why = inbound === 'timeout' ? 'LiveKit did not answer in time' : describeFailure(inbound.failure);
    return `Could not check these DIDs against LiveKit (${why}). Nothing was changed; try again in a moment.`;
  }
  const conflicts = findInboundTrunkConflicts(inbound.value, {
    ...(existing?.resources.inboundTrunkId ? { id: existing.resources.inboundTrunkId } : {}),
    numbers: spec.dids,
    allowedNumbers: [],
  });
  return conflicts.length ? conflictsText(conflicts) : undefined;
}

export async function crossChecks(
  ctx: CheckContext,
  spec: BindingSpec,
  meta: ModalMeta,
  existing: Binding | undefined,
): Promise<BindingFieldErrors> {
  const errors = stateErrors(ctx, spec, meta, existing);
  if (Object.keys(errors).length) return errors;
  // Started beside the trunk check so both stay within the one bound Slack's 3 s leave room for.
  const rulesP = existing?.resources.inboundTrunkId
    ? withTimeout(ctx.livekit.listDispatchRules(), ctx.conflictCheckMs, () => undefined)
    : undefined;
  const estP = estNumberProblems(ctx, spec, existing);
  const dids =
    (await ownedElsewhere(ctx, spec)) ??
    (await livekitConflicts(ctx, spec, existing)) ??
    (await ruleConflicts(rulesP, existing)) ??
    (await estP);
  return dids ? { dids } : {};
}

/**
 * A managed binding's DIDs as Sinch sees them: each must be a number of the project, on no EST trunk or on
 * the binding's own trunk (adopted or its own). Checked before anything is created, within `conflictCheckMs`.
 */
export async function estNumberProblems(
  ctx: Pick<SipSetupContext, 'sinch' | 'conflictCheckMs'>,
  spec: BindingSpec,
  existing: Binding | undefined,
): Promise<string | undefined> {
  const sinch = ctx.sinch;
  if (!sinch || !isManaged(spec)) return undefined;
  const check = async (): Promise<string | undefined> => {
    const host = hostLabel(spec.trunkDomain);
    const own =
      existing?.resources.est?.trunkId ?? (await sinch.listTrunks()).find((t) => t.hostName.toLowerCase() === host)?.id;
    const problems = await Promise.all(
      spec.dids.map(async (did) => {
        try {
          const a = numberAssignment(await sinch.getActiveNumber(did));
          const on = a.state === 'assigned' || a.state === 'pending' ? a.trunkId : null;
          return on && on !== own ? `${did} is on another EST trunk (${on})` : undefined;
        } catch (err) {
          if (err instanceof SinchError && err.kind === 'not-found')
            return `${did} is not a number of this Sinch project`;
          throw err;
        }
      }),
    );
    const found = problems.filter((p): p is string => p !== undefined);
    return found.length
      ? `${found.join('; ')}. Nothing was created: rent or free the number in Sinch first, or choose "Manual (checklist)".`
      : undefined;
  };
  const r = await withTimeout(
    check().catch(
      (err: unknown) =>
        `Could not check the DIDs with Sinch (${err instanceof SinchError ? err.message : String(err)}). Nothing was changed.`,
    ),
    ctx.conflictCheckMs,
    () => 'Could not check the DIDs with Sinch in time. Nothing was changed; try again in a moment.',
  );
  return r;
}

/** Another dispatch rule on the binding's trunk (the server checks an update only against rules listed with the new trunk IDs). */
async function ruleConflicts(
  rulesP: Promise<Awaited<ReturnType<CheckContext['livekit']['listDispatchRules']>> | undefined> | undefined,
  existing: Binding | undefined,
): Promise<string | undefined> {
  const rules = await rulesP;
  return rules?.ok && existing ? bindingRuleConflictError(rules.value, existing.resources) : undefined;
}
