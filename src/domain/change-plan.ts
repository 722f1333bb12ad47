/**
 * A binding change as an ordered list of LiveKit steps, planned from the binding and what
 * LiveKit holds now. Steps carry everything needed to undo them (the previous values of
 * patched fields), never a secret: a changed password is only flagged.
 */
import type { Binding, BindingResources, BindingSpec } from './binding';
import type { ActualResources, DesiredInbound, DesiredOutbound, DesiredRule, ResourceKind } from './binding-resources';
import {
  desiredInbound,
  desiredOutbound,
  desiredRule,
  inboundPatch,
  inverseOf,
  isEmptyPatch,
  outboundPatch,
  rulePatch,
} from './binding-resources';
import { describeEstStep, estResourcesAfter, type EstStep } from './est-plan';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'undone';

export type CreateStep = { op: 'create'; resource: ResourceKind; status: StepStatus; id?: string };
export type DeleteStep = { op: 'delete'; resource: ResourceKind; id: string; status: StepStatus; newId?: string };
export type UpdateStep =
  | {
      op: 'update';
      resource: 'inbound';
      id: string;
      patch: Partial<DesiredInbound>;
      before: Partial<DesiredInbound>;
      status: StepStatus;
    }
  | {
      op: 'update';
      resource: 'rule';
      id: string;
      patch: Partial<DesiredRule>;
      before: Partial<DesiredRule>;
      status: StepStatus;
    }
  | {
      op: 'update';
      resource: 'outbound';
      id: string;
      patch: Partial<DesiredOutbound>;
      before: Partial<DesiredOutbound>;
      /** The digest password changes too (its value stays out of the journal). */
      passwordChanged: boolean;
      status: StepStatus;
    };
/** LiveKit's steps and EST's (`op: 'est'`, domain/est-plan.ts) in one journal. */
export type ChangeStep = CreateStep | UpdateStep | DeleteStep | EstStep;
export type LiveKitStep = CreateStep | UpdateStep | DeleteStep;

export function planCreate(): ChangeStep[] {
  return (['inbound', 'rule', 'outbound'] as const).map((resource) => ({ op: 'create', resource, status: 'pending' }));
}

/** Dispatch rule first (no call is dispatched into a trunk being removed), then the trunks. */
export function planDelete(resources: BindingResources): ChangeStep[] {
  const steps: ChangeStep[] = [];
  if (resources.dispatchRuleId)
    steps.push({ op: 'delete', resource: 'rule', id: resources.dispatchRuleId, status: 'pending' });
  if (resources.inboundTrunkId)
    steps.push({ op: 'delete', resource: 'inbound', id: resources.inboundTrunkId, status: 'pending' });
  if (resources.outboundTrunkId)
    steps.push({ op: 'delete', resource: 'outbound', id: resources.outboundTrunkId, status: 'pending' });
  return steps;
}

export type UpdatePlan = { ok: true; steps: ChangeStep[] } | { ok: false; reason: string };

function passwordOf(spec: BindingSpec): string {
  return spec.auth.kind === 'digest' ? spec.auth.password : '';
}

/**
 * Only the fields that differ between the new spec and LiveKit's actual state, as update
 * steps (inbound → rule → outbound); a resource gone from LiveKit is created again, except
 * the inbound trunk the rule hangs on.
 */
export function planUpdate(
  previous: Binding | undefined,
  next: BindingSpec,
  ids: BindingResources,
  actual: ActualResources,
): UpdatePlan {
  const steps: ChangeStep[] = [];
  const inboundId = ids.inboundTrunkId;
  if (!inboundId || !actual.inbound) {
    return {
      ok: false,
      reason: `The inbound trunk ${inboundId ?? '(none)'} is missing in LiveKit. Delete the binding and create it again, or import the resources that replaced it.`,
    };
  }
  const ip = inboundPatch(actual.inbound, desiredInbound(next));
  if (!isEmptyPatch(ip))
    steps.push({
      op: 'update',
      resource: 'inbound',
      id: inboundId,
      patch: ip,
      before: inverseOf<DesiredInbound>(actual.inbound, ip),
      status: 'pending',
    });

  if (!ids.dispatchRuleId || !actual.rule) steps.push({ op: 'create', resource: 'rule', status: 'pending' });
  else {
    const rp = rulePatch(actual.rule, desiredRule(next, inboundId));
    if (!isEmptyPatch(rp))
      steps.push({
        op: 'update',
        resource: 'rule',
        id: ids.dispatchRuleId,
        patch: rp,
        before: inverseOf<DesiredRule>(actual.rule, rp),
        status: 'pending',
      });
  }

  if (!ids.outboundTrunkId || !actual.outbound) steps.push({ op: 'create', resource: 'outbound', status: 'pending' });
  else {
    const op = outboundPatch(actual.outbound, desiredOutbound(next));
    const passwordChanged =
      next.auth.kind === 'digest' &&
      passwordOf(next) !== (previous ? passwordOf(previous) : '') &&
      passwordOf(next) !== '';
    if (!isEmptyPatch(op) || passwordChanged) {
      steps.push({
        op: 'update',
        resource: 'outbound',
        id: ids.outboundTrunkId,
        patch: op,
        before: inverseOf<DesiredOutbound>(actual.outbound, op),
        passwordChanged,
        status: 'pending',
      });
    }
  }
  return { ok: true, steps };
}

/** Resource IDs after the steps that are done (creates add, deletes remove, undone deletes may re-create). */
export function resourcesAfter(start: BindingResources, steps: ChangeStep[]): BindingResources {
  const key: Record<ResourceKind, keyof BindingResources> = {
    inbound: 'inboundTrunkId',
    rule: 'dispatchRuleId',
    outbound: 'outboundTrunkId',
  };
  const out: BindingResources = { ...start };
  const est = estResourcesAfter(start.est, steps);
  if (est) out.est = est;
  else delete out.est;
  for (const s of steps) {
    if (s.op === 'est') continue;
    if (s.op === 'create' && s.status === 'done' && s.id) out[key[s.resource]] = s.id;
    if (s.op === 'delete' && s.status === 'done') delete out[key[s.resource]];
    if (s.op === 'delete' && s.status === 'undone' && s.newId) out[key[s.resource]] = s.newId;
  }
  return out;
}

export function describeStep(s: ChangeStep): string {
  if (s.op === 'est') return describeEstStep(s);
  const label = { inbound: 'inbound trunk', rule: 'dispatch rule', outbound: 'outbound trunk' }[s.resource];
  switch (s.op) {
    case 'create':
      return `Create ${label}${s.id ? ` ${s.id}` : ''}`;
    case 'delete':
      return `Delete ${label} ${s.id}`;
    case 'update': {
      const fields = Object.keys(s.patch);
      if (s.resource === 'outbound' && s.passwordChanged) fields.push('password');
      return `Update ${label} ${s.id} (${fields.join(', ')})`;
    }
  }
}
