import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import {
  admit,
  prune,
  trunkDomainKey,
  type Admission,
  type CallRequest,
  type GuardState,
  type InFlightCall,
  type RateLimits,
  type TestCallPolicy,
} from '../domain/test-call-guards';
import type { Database } from './schema';

export interface StoredAdmission {
  admission: Admission;
  /** The admitted call's id (also its attempt row and its in-flight holder); undefined when refused. */
  callId?: string;
}

/**
 * The test-call guard state in the database (tables of migration 006), so a restart or another
 * replica sees the same windows, in-flight calls and trunk-domain slots. The decision is the pure
 * `admit` of domain/test-call-guards.ts; this repository loads its state, runs it and records the
 * outcome in one transaction, which first updates the guard-key rows of the user, the binding and
 * the trunk domain: that write takes the lock (SQLite's writer lock, a row lock on PostgreSQL), so
 * two admissions never decide on the same state.
 *
 * Uses its own transaction: construct it over the root handle, not inside `Repos.transaction`.
 */
export class TestCallGuardsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Admits or refuses `req`. An admitted call is counted, its trunk-domain slot reserved and its
   * binding marked in flight until `release` or, if its process dies, until `leaseMs` after its start.
   */
  async admit(policy: TestCallPolicy, req: CallRequest, now: Date, leaseMs: number): Promise<StoredAdmission> {
    const nowMs = now.getTime();
    return this.db.transaction().execute(async (trx) => {
      const keys = [`user:${req.userId}`, `binding:${req.binding}`, `domain:${trunkDomainKey(req.trunkDomain)}`];
      for (const key of keys) {
        await trx
          .insertInto('test_call_guard_keys')
          .values({ key, admissions: 0, updated_at_ms: nowMs })
          .onConflict((oc) => oc.column('key').doUpdateSet({ updated_at_ms: nowMs }))
          .execute();
      }
      const state = await loadState(trx, policy.limits, nowMs);
      const admission = admit(state, policy, req, now);
      if (!admission.ok) return { admission };
      const callId = randomUUID();
      const key = trunkDomainKey(req.trunkDomain);
      await trx
        .insertInto('test_call_attempts')
        .values({
          id: callId,
          user_id: req.userId,
          binding_name: req.binding,
          trunk_domain: key,
          admitted_at_ms: nowMs,
          start_at_ms: admission.startAt,
        })
        .execute();
      const inflight = {
        user_id: req.userId,
        number: req.number,
        since_ms: nowMs,
        lease_until_ms: admission.startAt + leaseMs,
        holder: callId,
      };
      await trx
        .insertInto('test_call_inflight')
        .values({ binding_name: req.binding, ...inflight })
        .onConflict((oc) => oc.column('binding_name').doUpdateSet(inflight))
        .execute();
      await trx
        .updateTable('test_call_guard_keys')
        .set((eb) => ({ admissions: eb('admissions', '+', 1) }))
        .where('key', 'in', keys)
        .execute();
      return { admission, callId };
    });
  }

  /** The call `callId` through `binding` is over: the binding is free again (another call's entry is kept). */
  async release(binding: string, callId: string): Promise<void> {
    await this.db
      .deleteFrom('test_call_inflight')
      .where('binding_name', '=', binding)
      .where('holder', '=', callId)
      .execute();
  }

  /** The state the guards decide on now (expired leases and attempts no window needs are dropped). */
  async state(limits: RateLimits, now: Date): Promise<GuardState> {
    return loadState(this.db, limits, now.getTime());
  }
}

async function loadState(db: Kysely<Database>, limits: RateLimits, nowMs: number): Promise<GuardState> {
  const keepMs = Math.max(limits.perUser.windowMs, limits.perBinding.windowMs);
  await db
    .deleteFrom('test_call_attempts')
    .where('admitted_at_ms', '<=', nowMs - keepMs)
    .where('start_at_ms', '<=', nowMs - limits.trunkDomainGapMs)
    .execute();
  await db.deleteFrom('test_call_inflight').where('lease_until_ms', '<=', nowMs).execute();
  const attempts = await db
    .selectFrom('test_call_attempts')
    .selectAll()
    .orderBy('admitted_at_ms')
    .orderBy('id')
    .execute();
  const inflight = await db.selectFrom('test_call_inflight').selectAll().execute();
  const inFlight = new Map<string, InFlightCall>(
    inflight.map((r) => [r.binding_name, { user: r.user_id, number: r.number, since: r.since_ms }]),
  );
  const state: GuardState = {
    attempts: attempts.map((a) => ({
      user: a.user_id,
      binding: a.binding_name,
      trunkDomain: a.trunk_domain,
      admittedAt: a.admitted_at_ms,
      startAt: a.start_at_ms,
    })),
    inFlight,
  };
  return prune(state, limits, nowMs);
}
