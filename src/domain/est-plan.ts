/**
 * The EST half of a binding change (issue 16 points 3 and 4), as journaled steps beside LiveKit's.
 * Pure: the steps say what to do and carry what is needed to undo it (what existed before, what the
 * change created); `features/sip-setup/est-steps.ts` runs them against Sinch. Never a secret in a step.
 */
import type { BindingSpec, EstResources } from './binding';
import { estDesiredFor, type EstDesired } from './est-checks';

export type EstStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'undone';

/** Where the endpoint pointed before an update (to put it back). */
export interface EndpointTarget {
  address: string;
  port: number;
  transport: 'UDP' | 'TCP' | 'TLS';
}

export type EstStep =
  /** Adopt the project's trunk with the binding's host name, or create it (`created` says which). */
  | {
      op: 'est';
      resource: 'trunk';
      action: 'ensure';
      status: EstStepStatus;
      id?: string;
      created?: boolean;
      newId?: string;
    }
  | { op: 'est'; resource: 'trunk'; action: 'remove'; status: EstStepStatus; id: string; newId?: string }
  /** The one static endpoint pointing at LiveKit: reused when one already points there, created otherwise. */
  | { op: 'est'; resource: 'endpoint'; action: 'ensure'; status: EstStepStatus; id?: string; created?: boolean }
  | {
      op: 'est';
      resource: 'endpoint';
      action: 'update';
      status: EstStepStatus;
      id: string;
      before: EndpointTarget;
      after: EndpointTarget;
    }
  | { op: 'est'; resource: 'endpoint'; action: 'remove'; status: EstStepStatus; id: string; newId?: string }
  /** ACL mode: an ACL allowing `ip`/32 linked to the trunk; a shared ACL already allowing it is only linked. */
  | {
      op: 'est';
      resource: 'acl';
      action: 'ensure';
      status: EstStepStatus;
      ip: string;
      id?: string;
      created?: boolean;
      linked?: boolean;
    }
  | {
      op: 'est';
      resource: 'acl';
      action: 'remove';
      status: EstStepStatus;
      id: string;
      created: boolean;
      linked: boolean;
      ip: string;
      newId?: string;
    }
  /** Digest mode: a credential list with the binding's user, linked to the trunk (the password comes from the spec). */
  | {
      op: 'est';
      resource: 'credentials';
      action: 'ensure';
      status: EstStepStatus;
      id?: string;
      created?: boolean;
      linked?: boolean;
    }
  | {
      op: 'est';
      resource: 'credentials';
      action: 'update';
      status: EstStepStatus;
      id: string;
      username: string;
      previousUsername: string;
    }
  | {
      op: 'est';
      resource: 'credentials';
      action: 'remove';
      status: EstStepStatus;
      id: string;
      created: boolean;
      linked: boolean;
      newId?: string;
    }
  /**
   * A DID onto the binding's trunk (`action: 'assign'`) or off it (`'release'`); `previousTrunkId` is where it
   * was before (null: no EST trunk), read when the step runs; `detail` is the provisioning progress.
   */
  | {
      op: 'est';
      resource: 'number';
      action: 'assign' | 'release';
      did: string;
      status: EstStepStatus;
      previousTrunkId?: string | null;
      detail?: string;
    };

export type EstResource = EstStep['resource'];

/** The name SIP Ops gives what it creates for a binding (trunk, endpoint, ACL, credential list): found again after a crash. */
export function estResourceName(binding: string): string {
  return `sip-ops-${binding}`;
}

export function isManaged(spec: Pick<BindingSpec, 'est'>): boolean {
  return spec.est?.side === 'managed';
}

/** Create: trunk, endpoint, outbound auth, then each DID (LiveKit is ready before a number moves). */
export function planEstCreate(spec: BindingSpec, livekitIp: string | undefined): EstStep[] {
  if (!isManaged(spec)) return [];
  return [
    { op: 'est', resource: 'trunk', action: 'ensure', status: 'pending' },
    { op: 'est', resource: 'endpoint', action: 'ensure', status: 'pending' },
    authEnsure(spec, livekitIp),
    ...spec.dids.map((did): EstStep => ({ op: 'est', resource: 'number', action: 'assign', did, status: 'pending' })),
  ];
}

function authEnsure(spec: BindingSpec, livekitIp: string | undefined): EstStep {
  return spec.auth.kind === 'acl'
    ? { op: 'est', resource: 'acl', action: 'ensure', ip: livekitIp ?? '', status: 'pending' }
    : { op: 'est', resource: 'credentials', action: 'ensure', status: 'pending' };
}

export type EstUpdatePlan = { ok: true; steps: EstStep[] } | { ok: false; reason: string };

/**
 * Only what differs between the previous and the new spec. Managed → manual leaves EST as it is (the binding
 * stops managing it); manual → managed is a create of the EST side. The trunk's host name is not changed by
 * an edit (it is the trunk's identity for adoption).
 */
export function planEstUpdate(
  previous: BindingSpec,
  next: BindingSpec,
  est: EstResources | undefined,
  livekitIp: string | undefined,
): EstUpdatePlan {
  if (!isManaged(next)) return { ok: true, steps: [] };
  if (!isManaged(previous) || !est?.trunkId) return { ok: true, steps: planEstCreate(next, livekitIp) };
  if (previous.trunkDomain.toLowerCase() !== next.trunkDomain.toLowerCase()) {
    return {
      ok: false,
      reason:
        'The EST trunk domain of a managed binding cannot change in an edit. Delete the binding and create it again with the new domain.',
    };
  }
  const steps: EstStep[] = [];
  const before = endpointTarget(previous);
  const after = endpointTarget(next);
  if (est.endpointId && !sameTarget(before, after))
    steps.push({
      op: 'est',
      resource: 'endpoint',
      action: 'update',
      id: est.endpointId,
      before,
      after,
      status: 'pending',
    });
  if (!est.endpointId) steps.push({ op: 'est', resource: 'endpoint', action: 'ensure', status: 'pending' });
  steps.push(...authChange(previous, next, est, livekitIp));
  for (const did of next.dids)
    if (!previous.dids.includes(did))
      steps.push({ op: 'est', resource: 'number', action: 'assign', did, status: 'pending' });
  for (const did of previous.dids)
    if (!next.dids.includes(did))
      steps.push({ op: 'est', resource: 'number', action: 'release', did, status: 'pending' });
  return { ok: true, steps };
}

function authChange(
  previous: BindingSpec,
  next: BindingSpec,
  est: EstResources,
  livekitIp: string | undefined,
): EstStep[] {
  const p = previous.auth;
  const n = next.auth;
  if (p.kind === 'acl' && n.kind === 'acl') return est.aclId ? [] : [authEnsure(next, livekitIp)];
  if (p.kind === 'digest' && n.kind === 'digest' && est.credentialListId) {
    const changed = p.username !== n.username || p.password !== n.password;
    return changed
      ? [
          {
            op: 'est',
            resource: 'credentials',
            action: 'update',
            id: est.credentialListId,
            username: n.username,
            previousUsername: p.username,
            status: 'pending',
          },
        ]
      : [];
  }
  // The auth mode changed: the old one's additions go, the new one is set up.
  return [...authRemoval(est, livekitIp ?? ''), authEnsure(next, livekitIp)];
}

function authRemoval(est: EstResources, ip: string): EstStep[] {
  const out: EstStep[] = [];
  if (est.aclId && (est.aclCreated || est.aclLinked)) {
    out.push({
      op: 'est',
      resource: 'acl',
      action: 'remove',
      id: est.aclId,
      created: est.aclCreated ?? false,
      linked: est.aclLinked ?? false,
      ip: est.aclIp ?? ip,
      status: 'pending',
    });
  }
  if (est.credentialListId && (est.credentialListCreated || est.credentialListLinked)) {
    out.push({
      op: 'est',
      resource: 'credentials',
      action: 'remove',
      id: est.credentialListId,
      created: est.credentialListCreated ?? false,
      linked: est.credentialListLinked ?? false,
      status: 'pending',
    });
  }
  return out;
}

/**
 * Delete: the DIDs come off the trunk first (when asked), the LiveKit steps run between (the caller places
 * them), then the binding's own additions go in reverse order of creation. An adopted trunk, a shared ACL
 * and endpoints the binding did not create stay.
 */
export function planEstDelete(
  spec: BindingSpec,
  est: EstResources | undefined,
  releaseDids: boolean,
): { before: EstStep[]; after: EstStep[] } {
  if (!isManaged(spec) || !est?.trunkId) return { before: [], after: [] };
  const before: EstStep[] = releaseDids
    ? spec.dids.map((did) => ({ op: 'est', resource: 'number', action: 'release', did, status: 'pending' }))
    : [];
  const after: EstStep[] = [...authRemoval(est, est.aclIp ?? '')];
  if (est.endpointId && est.endpointCreated && !est.trunkCreated)
    after.push({ op: 'est', resource: 'endpoint', action: 'remove', id: est.endpointId, status: 'pending' });
  if (est.trunkCreated)
    after.push({ op: 'est', resource: 'trunk', action: 'remove', id: est.trunkId, status: 'pending' });
  return { before, after };
}

export function endpointTarget(
  spec: Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport' | 'auth' | 'dids'>,
): EndpointTarget {
  return estDesiredFor(spec).endpoint;
}

function sameTarget(a: EndpointTarget, b: EndpointTarget): boolean {
  return a.address === b.address && a.port === b.port && a.transport === b.transport;
}

/** The EST resources after the done steps (creates add, removes drop, undone removes may re-create). */
export function estResourcesAfter(
  start: EstResources | undefined,
  steps: readonly { op: string }[],
): EstResources | undefined {
  let out: EstResources = { ...(start ?? {}) };
  for (const s of steps) if (isEstStep(s)) out = applyToResources(out, s);
  return Object.keys(out).length ? out : undefined;
}

function applyToResources(r: EstResources, s: EstStep): EstResources {
  const out = { ...r };
  if (s.resource === 'number') return out;
  const done = s.status === 'done';
  const reborn = s.action === 'remove' && s.status === 'undone' && s.newId;
  if (s.resource === 'trunk') {
    if (s.action === 'ensure' && done && s.id) Object.assign(out, { trunkId: s.id, trunkCreated: s.created ?? false });
    if (s.action === 'remove' && done) {
      delete out.trunkId;
      delete out.trunkCreated;
      delete out.endpointId;
      delete out.endpointCreated;
    }
    if (reborn) out.trunkId = reborn;
  } else if (s.resource === 'endpoint') {
    if (s.action === 'ensure' && done && s.id)
      Object.assign(out, { endpointId: s.id, endpointCreated: s.created ?? false });
    if (s.action === 'remove' && done) {
      delete out.endpointId;
      delete out.endpointCreated;
    }
    if (reborn) out.endpointId = reborn;
  } else if (s.resource === 'acl') {
    if (s.action === 'ensure' && done && s.id)
      Object.assign(out, { aclId: s.id, aclCreated: s.created ?? false, aclLinked: s.linked ?? false, aclIp: s.ip });
    if (s.action === 'remove' && done) {
      delete out.aclId;
      delete out.aclCreated;
      delete out.aclLinked;
      delete out.aclIp;
    }
    if (reborn) out.aclId = reborn;
  } else {
    if (s.action === 'ensure' && done && s.id)
      Object.assign(out, {
        credentialListId: s.id,
        credentialListCreated: s.created ?? false,
        credentialListLinked: s.linked ?? false,
      });
    if (s.action === 'remove' && done) {
      delete out.credentialListId;
      delete out.credentialListCreated;
      delete out.credentialListLinked;
    }
    if (reborn) out.credentialListId = reborn;
  }
  return out;
}

export function isEstStep(s: { op: string }): s is EstStep {
  return s.op === 'est';
}

const LABEL: Record<EstResource, string> = {
  trunk: 'EST trunk',
  endpoint: 'EST endpoint',
  acl: 'EST ACL',
  credentials: 'EST credential list',
  number: 'EST number',
};

export function describeEstStep(s: EstStep): string {
  const label = LABEL[s.resource];
  if (s.resource === 'number') {
    const what = s.action === 'assign' ? `Assign ${s.did} to the EST trunk` : `Release ${s.did} from the EST trunk`;
    return `${what}${s.detail ? ` (${s.detail})` : ''}`;
  }
  switch (s.action) {
    case 'ensure': {
      const how = s.id ? (s.created ? ` ${s.id} (created)` : ` ${s.id} (existing, adopted)`) : '';
      const linked = 'linked' in s && s.linked ? ', linked to the trunk' : '';
      return `${s.resource === 'trunk' ? 'Adopt or create' : 'Set up'} ${label}${how}${s.resource === 'acl' && s.ip ? ` allowing ${s.ip}/32` : ''}${linked}`;
    }
    case 'update':
      return s.resource === 'endpoint'
        ? `Point ${label} ${s.id} at ${s.after.address}:${s.after.port}/${s.after.transport}`
        : `Update ${label} ${s.id} (user ${s.username}, password)`;
    case 'remove':
      return `Remove ${label} ${s.id}`;
  }
}

/** What the EST side should be, for show and health (re-exported for callers that hold a spec). */
export function estDesired(spec: BindingSpec, livekitIp?: string): EstDesired {
  return estDesiredFor(spec, livekitIp);
}
