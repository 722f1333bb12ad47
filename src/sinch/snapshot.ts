/**
 * Reads what EST holds for one binding (the `EstSnapshot` the pure checks in domain/est-checks.ts compare
 * with the binding), with a bounded number of calls: the trunk, its endpoints, its linked ACLs and credential
 * lists, and one Numbers API read per DID. And the call-history tally for the health summary: paged per trunk,
 * never per call, so the number of API calls does not grow with the number of calls beyond the page cap.
 */
import type { EstResources } from '../domain/binding';
import type { EstSnapshot } from '../domain/est-checks';
import { SinchError } from './errors';
import type { SinchGateway } from './gateway';
import { numberAssignment } from './gateway';

export async function readEstSnapshot(
  g: SinchGateway,
  binding: { trunkDomain: string; dids: string[]; resources: { est?: EstResources } },
): Promise<EstSnapshot> {
  const trunk = await findTrunk(g, binding.trunkDomain, binding.resources.est?.trunkId);
  const numbers = await Promise.all(binding.dids.map((did) => readNumber(g, did)));
  if (!trunk) return { endpoints: [], acls: [], credentialLists: [], numbers };
  const [endpoints, aclIds, credIds] = await Promise.all([
    g.listEndpoints(trunk.id),
    g.listTrunkAclIds(trunk.id),
    g.listTrunkCredentialListIds(trunk.id),
  ]);
  const acls = await Promise.all(aclIds.map((id) => g.getAcl(id)));
  const lists = await Promise.all(credIds.map((id) => g.getCredentialList(id)));
  return {
    trunk: { id: trunk.id, hostName: trunk.hostName, ...(trunk.domain ? { domain: trunk.domain } : {}) },
    endpoints,
    acls: acls.map((a) => ({
      id: a.id,
      name: a.name,
      enabled: a.enabled ?? null,
      ipRanges: (a.ipRanges ?? []).map((r) => ({ ipAddress: r.ipAddress, range: r.range ?? null })),
    })),
    credentialLists: lists.map((l) => ({
      id: l.id,
      name: l.name,
      usernames: (l.credentials ?? []).map((c) => c.username),
    })),
    numbers,
  };
}

async function findTrunk(g: SinchGateway, domain: string, knownId: string | undefined) {
  if (knownId) {
    try {
      return await g.getTrunk(knownId);
    } catch (err) {
      if (!(err instanceof SinchError && err.kind === 'not-found')) throw err;
    }
  }
  const d = domain.toLowerCase();
  const host = d.split('.')[0] ?? d;
  return (await g.listTrunks()).find((t) => (t.domain ?? '').toLowerCase() === d || t.hostName.toLowerCase() === host);
}

async function readNumber(g: SinchGateway, did: string): Promise<EstSnapshot['numbers'][number]> {
  try {
    const a = numberAssignment(await g.getActiveNumber(did));
    const trunkId = a.state === 'assigned' ? a.trunkId : null;
    return { phoneNumber: did, trunkId, owned: true, ...(a.state === 'pending' ? { pending: true } : {}) };
  } catch (err) {
    if (err instanceof SinchError && err.kind === 'not-found') return { phoneNumber: did, trunkId: null, owned: false };
    throw err;
  }
}

/** EST's view of a trunk's calls over a window: how many, and the failures by result. */
export interface EstCallTally {
  trunkId: string;
  total: number;
  byResult: Record<string, number>;
  apiCalls: number;
}

/** The call results other than COMPLETED (spec `callResult` enum). */
const FAILURE_RESULTS = ['FAILED', 'BUSY', 'NO_ANSWER', 'CANCEL'] as const;

/**
 * One trunk's call history between `from` and `to`, counted by Sinch: one page of size 1 for the total and
 * one per failure result (the `callResult` filter), each read for its `totalItems`. Five API calls per trunk
 * whatever the number of calls, and exact counts (no page cap to hit).
 */
export async function tallyTrunkCalls(g: SinchGateway, trunkId: string, from: Date, to: Date): Promise<EstCallTally> {
  const window = { trunkId, createdFrom: from.toISOString(), createdTo: to.toISOString(), page: 1, size: 1 };
  const [all, ...failures] = await Promise.all([
    g.findCalls(window),
    ...FAILURE_RESULTS.map((callResult) => g.findCalls({ ...window, callResult })),
  ]);
  const byResult: Record<string, number> = {};
  FAILURE_RESULTS.forEach((r, i) => {
    const n = failures[i]?.totalItems ?? 0;
    if (n > 0) byResult[r] = n;
  });
  return { trunkId, total: all?.totalItems ?? 0, byResult, apiCalls: 1 + FAILURE_RESULTS.length };
}
