/**
 * What replicas must agree on, behind small interfaces. With SQLite there is one replica, and the
 * in-memory implementations keep today's single-process behaviour; with PostgreSQL the state lives
 * in the database (coordination-pg.ts), so any number of replicas share it.
 */
export type LeaseResult = { ok: true } | { ok: false; holder: string };

/** Exclusive, expiring ownership of a key (a binding change): a dead holder's lease runs out. */
export interface Leases {
  /** Takes `key` for `holder` for `ttlMs` (again, when `holder` has it); refused while another holder's lease runs. */
  acquire(key: string, holder: string, ttlMs: number): Promise<LeaseResult>;
  release(key: string, holder: string): Promise<void>;
  /** Extends `holder`'s leases of `keys` by `ttlMs` (one statement); returns the keys it still holds. */
  renewAll(keys: readonly string[], holder: string, ttlMs: number): Promise<Set<string>>;
  /** Takes each of `keys` that nobody holds (or whose lease ran out) for `holder`, in one statement; returns the keys it holds now. */
  acquireAll(keys: readonly string[], holder: string, ttlMs: number): Promise<Set<string>>;
  /** Releases `holder`'s leases of `keys` (one statement). */
  releaseAll(keys: readonly string[], holder: string): Promise<void>;
}

/** Work that must happen once per slot (the summary of one fire time), whichever replica gets there. */
export interface SlotClaims {
  /** True when this owner serves `slot`: nobody claimed it, or the claimer's lease ran out before it completed. */
  claim(slot: string, owner: string, leaseMs: number): Promise<boolean>;
  /** The slot is served: no later claim succeeds. */
  complete(slot: string, owner: string): Promise<void>;
}

/** Slack's one call per second per channel, for all replicas together. */
export interface ChannelPacer {
  /**
   * Runs `call` (one Slack call to `channel`) when no replica has a call to that channel in flight and at
   * least `intervalMs` has passed since the previous one *ended*, so Slack receives them that far apart
   * whatever delays a busy machine puts between a slot and the request going out.
   */
  paced<T>(channel: string, intervalMs: number, call: () => Promise<T>): Promise<T>;
}

export interface Coordination {
  /** True when other replicas share this state (PostgreSQL); false for one process (SQLite). */
  shared: boolean;
  leases: Leases;
  slots: SlotClaims;
  pacer: ChannelPacer;
}

/** One process: a map of leases, a set of served slots; the notifier already paces its own channels. */
export function memoryCoordination(now: () => number = Date.now): Coordination {
  const leases = new Map<string, { holder: string; expiresAt: number }>();
  const served = new Set<string>();
  const claims = new Map<string, { owner: string; expiresAt: number }>();
  /** Takes `key` for `holder` unless another holder's lease runs; returns that other holder, if any. */
  const takeOver = (key: string, holder: string, ttlMs: number): string | undefined => {
    const l = leases.get(key);
    if (l && l.holder !== holder && l.expiresAt > now()) return l.holder;
    leases.set(key, { holder, expiresAt: now() + ttlMs });
    return undefined;
  };
  return {
    shared: false,
    leases: {
      async acquire(key, holder, ttlMs) {
        const other = takeOver(key, holder, ttlMs);
        return other === undefined ? { ok: true } : { ok: false, holder: other };
      },
      async release(key, holder) {
        if (leases.get(key)?.holder === holder) leases.delete(key);
      },
      async renewAll(keys, holder, ttlMs) {
        const held = new Set<string>();
        for (const key of keys) {
          const l = leases.get(key);
          if (l?.holder !== holder) continue;
          l.expiresAt = now() + ttlMs;
          held.add(key);
        }
        return held;
      },
      async acquireAll(keys, holder, ttlMs) {
        return new Set(keys.filter((key) => takeOver(key, holder, ttlMs) === undefined));
      },
      async releaseAll(keys, holder) {
        for (const key of keys) if (leases.get(key)?.holder === holder) leases.delete(key);
      },
    },
    slots: {
      async claim(slot, owner, leaseMs) {
        if (served.has(slot)) return false;
        const c = claims.get(slot);
        if (c && c.owner !== owner && c.expiresAt > now()) return false;
        claims.set(slot, { owner, expiresAt: now() + leaseMs });
        return true;
      },
      async complete(slot) {
        served.add(slot);
        claims.delete(slot);
      },
    },
    // One process: the notifier paces its own channels.
    pacer: { paced: (_channel, _intervalMs, call) => call() },
  };
}

/** The row key of lease `key` in PostgreSQL's coordination_leases (slot claims are `slot:…`). */
export const leaseRowKey = (key: string): string => `lease:${key}`;
