/**
 * Runs a planned binding change against LiveKit, one journaled step at a time, and either
 * commits it to the database (binding row + journal + audit in one transaction) or undoes
 * what it did. `recover()` finishes the journal's open entries after a crash.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Binding, BindingResources, BindingSpec } from '../../domain/binding';
import { redactSpec, specOf } from '../../domain/binding';
import { desiredInbound, desiredOutbound, desiredRule, type ResourceKind } from '../../domain/binding-resources';
import { describeStep, resourcesAfter, type ChangeStep, type UpdateStep } from '../../domain/change-plan';
import type { EstStep } from '../../domain/est-plan';
import type { LiveKitFailure, LiveKitResult } from '../../domain/livekit-failure';
import { describeFailure } from '../../domain/livekit-failure';
import { parseManagedTag } from '../../domain/livekit-model';
import type { LiveKitGateway } from '../../livekit/gateway';
import type { Repos } from '../../store';
import { OPEN_STATES, UnreadableJournalEntryError, type ChangeKind, type JournalEntry } from '../../store/journal-repo';
import type { EstStepRunner } from './est-steps';
import { CHANGE_JOURNAL } from './journal-entry';

/** What the journal keeps of the request (no secrets). */
export interface ChangeRequest {
  spec: BindingSpec; // redacted
  previous?: BindingSpec; // redacted
  previousVersion?: number;
  resources: BindingResources; // IDs before the change
  /** The Slack view that asked for it (for the record; double submits are stopped by the name reservation). */
  viewId?: string;
}

export type Journal = JournalEntry<ChangeStep, ChangeRequest>;

export interface ChangeInput {
  kind: ChangeKind;
  actor: string;
  /** The new spec (create/update/import) or the binding being deleted; holds the password in memory only. */
  spec: BindingSpec;
  previous?: Binding;
  steps: ChangeStep[];
  /** Resource IDs the change starts from when there is no previous binding (import). */
  resources?: BindingResources;
  viewId?: string;
}

export type ChangeOutcome =
  | { ok: true; journalId: string; binding?: Binding; steps: ChangeStep[] }
  | {
      ok: false;
      journalId: string;
      steps: ChangeStep[];
      /** The step that failed, or undefined when the database refused the commit. */
      failedStep?: ChangeStep;
      failure?: LiveKitFailure;
      reason: string;
      /** True when LiveKit is back as it was; false when the rollback itself failed (it is retried). */
      rolledBack: boolean;
    };

export type ProgressFn = (steps: ChangeStep[], phase: 'applying' | 'rolling-back') => void | Promise<void>;

export interface ExecutorDeps {
  livekit: LiveKitGateway;
  /** Runs EST steps; absent without a Sinch access key (then a plan never holds EST steps). */
  est?: EstStepRunner;
  repos: Repos;
  logger: Logger;
  now: () => Date;
  /** How long a replica's claim on a binding outlives it (renewed every third of it while the change runs); 60 s. */
  leaseMs?: number;
}

const ACTION: Record<ChangeKind, string> = {
  create: 'binding.create',
  update: 'binding.update',
  import: 'binding.import',
  delete: 'binding.delete',
};

export class ChangeExecutor {
  /** Binding names with a change running in this process. */
  private readonly busy = new Set<string>();
  /** The spec of the change being rolled back in this process (its digest password is only in memory). */
  private readonly current = new Map<string, BindingSpec>();
  /** Shared leases this replica holds (PostgreSQL: other replicas see them), renewed while the change runs. */
  private readonly leased = new Map<string, { holder: string; renew: NodeJS.Timeout }>();
  private readonly replica = randomUUID().slice(0, 8);
  private readonly leaseMs: number;

  constructor(private readonly deps: ExecutorDeps) {
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  isBusy(name: string): boolean {
    return this.busy.has(name);
  }

  /** Reserve a binding name; false when a change to it is already running. */
  reserve(name: string): boolean {
    if (this.busy.has(name)) return false;
    this.busy.add(name);
    return true;
  }

  /**
   * Reserve a binding name here and in every replica (a lease of `leaseMs`, renewed while the change
   * runs; a dead replica's lease runs out). Refused with the Slack user whose change holds it.
   */
  async reserveFor(name: string, actor: string): Promise<{ ok: true } | { ok: false; holder: string }> {
    if (!this.reserve(name)) return { ok: false, holder: this.leased.get(name)?.holder.split('@')[0] ?? actor };
    const holder = `${actor}@${this.replica}`;
    const leases = this.deps.repos.coordination.leases;
    const r = await leases
      .acquire(`binding:${name}`, holder, this.leaseMs)
      .catch((err: unknown) => ({ ok: false as const, holder: `(${(err as Error).message})` }));
    if (!r.ok) {
      this.busy.delete(name);
      return { ok: false, holder: r.holder.split('@')[0] ?? r.holder };
    }
    const renew = setInterval(
      () => void leases.acquire(`binding:${name}`, holder, this.leaseMs).catch(() => undefined),
      this.leaseMs / 3,
    );
    renew.unref();
    this.leased.set(name, { holder, renew });
    return { ok: true };
  }

  release(name: string): void {
    this.busy.delete(name);
    const l = this.leased.get(name);
    if (!l) return;
    clearInterval(l.renew);
    this.leased.delete(name);
    void this.deps.repos.coordination.leases.release(`binding:${name}`, l.holder).catch(() => undefined);
  }

  /** Apply a change whose name the caller has reserved. */
  async run(input: ChangeInput, onProgress: ProgressFn = () => undefined): Promise<ChangeOutcome> {
    const { repos, now } = this.deps;
    const steps = input.steps.map((s) => ({ ...s }));
    const request: ChangeRequest = {
      spec: redactSpec(input.spec),
      ...(input.previous ? { previous: redactSpec(input.previous), previousVersion: input.previous.version } : {}),
      resources: { ...(input.previous?.resources ?? input.resources ?? {}) },
      ...(input.viewId ? { viewId: input.viewId } : {}),
    };
    let journal: Journal;
    try {
      journal = await repos.journal.open<ChangeStep, ChangeRequest>(
        { bindingName: input.spec.name, kind: input.kind, actor: input.actor, request, steps },
        now(),
      );
    } catch (err) {
      throw new ChangeNotStartedError(err);
    }
    const save = (extra: { state?: Journal['state']; error?: string | null } = {}): Promise<void> =>
      repos.journal.save(journal.id, { steps, ...extra }, now());
    /** Journal the failure, undo what was done, and say whether LiveKit is back as it was. */
    const abort = async (
      reason: string,
      cause: { failedStep?: ChangeStep; failure?: LiveKitFailure } = {},
    ): Promise<ChangeOutcome> => {
      await save({ state: 'rolling_back', error: reason });
      await onProgress(steps, 'rolling-back');
      this.current.set(input.spec.name, input.spec);
      const rolledBack = await this.rollback(
        journal.id,
        input.kind,
        input.spec.name,
        request,
        steps,
        input.previous,
        onProgress,
      ).finally(() => {
        this.current.delete(input.spec.name);
      });
      return { ok: false, journalId: journal.id, steps, ...cause, reason, rolledBack };
    };

    for (const step of steps) {
      step.status = 'running';
      await save();
      await onProgress(steps, 'applying');
      const r =
        step.op === 'est'
          ? await this.est(step, 'apply', input.spec, request, steps, input.previous, () =>
              onProgress(steps, 'applying'),
            )
          : await this.apply(step, input.spec, request.resources, steps, input.previous);
      if (!r.ok) {
        step.status = 'failed';
        return abort(`${describeStep(step)} failed: ${describeFailure(r.failure)}`, {
          failedStep: step,
          failure: r.failure,
        });
      }
      step.status = 'done';
      await save();
      await onProgress(steps, 'applying');
    }

    try {
      const binding = await this.commit(journal.id, input, request, steps);
      return { ok: true, journalId: journal.id, steps, ...(binding ? { binding } : {}) };
    } catch (err) {
      const reason =
        err instanceof StaleBindingError ? err.message : `Saving the binding failed: ${(err as Error).message}`;
      this.deps.logger.error({ err, binding: input.spec.name }, 'binding change: commit failed, rolling back');
      return abort(reason);
    }
  }

  private async commit(
    journalId: string,
    input: ChangeInput,
    request: ChangeRequest,
    steps: ChangeStep[],
  ): Promise<Binding | undefined> {
    const at = this.deps.now();
    return this.deps.repos.transaction(async (tx) => {
      let binding: Binding | undefined;
      const resources = resourcesAfter(request.resources, steps);
      if (input.kind === 'delete') {
        await tx.bindings.delete(input.spec.name);
      } else if (input.kind === 'update') {
        binding = await tx.bindings.update(input.spec, resources, input.actor, input.previous?.version ?? 0, at);
        if (!binding) throw new StaleBindingError(input.spec.name);
      } else {
        if (await tx.bindings.get(input.spec.name)) throw new StaleBindingError(input.spec.name);
        binding = await tx.bindings.insert(input.spec, resources, input.actor, at);
      }
      await tx.journal.save(journalId, { state: 'committed', steps }, at);
      await tx.audit.record(
        {
          actor: input.actor,
          action: ACTION[input.kind],
          bindingName: input.spec.name,
          ...(input.previous ? { before: { ...redactSpec(input.previous), resources: input.previous.resources } } : {}),
          ...(binding ? { after: { ...redactSpec(binding), resources: binding.resources } } : {}),
          detail: `journal ${journalId}: ${steps.map(describeStep).join('; ') || 'no LiveKit change needed'}`,
        },
        at,
      );
      return binding;
    });
  }

  // ------------------------------------------------------------------------------- steps

  /** An EST step (or its undo), with the EST resources as the steps before it left them. */
  private async est(
    step: EstStep,
    mode: 'apply' | 'undo',
    spec: BindingSpec,
    request: ChangeRequest,
    steps: ChangeStep[],
    previous: BindingSpec | undefined,
    progress: () => void | Promise<void>,
  ): Promise<LiveKitResult<unknown>> {
    const runner = this.deps.est;
    if (!runner) return { ok: false, failure: { kind: 'server', message: 'EST not managed: no Sinch access key' } };
    const c = {
      spec,
      ...(previous ? { previous } : {}),
      est: resourcesAfter(request.resources, steps).est ?? {},
      progress,
    };
    return mode === 'apply' ? runner.apply(step, c) : runner.undo(step, c);
  }

  private async apply(
    step: Exclude<ChangeStep, EstStep>,
    spec: BindingSpec,
    start: BindingResources,
    steps: ChangeStep[],
    previous: Binding | undefined,
  ): Promise<LiveKitResult<unknown>> {
    switch (step.op) {
      case 'create': {
        const r = await this.create(step.resource, spec, resourcesAfter(start, steps).inboundTrunkId);
        if (r.ok) step.id = r.value;
        return r;
      }
      case 'delete':
        return this.remove(step.resource, step.id);
      case 'update':
        return this.update(step, 'patch', spec, previous);
    }
  }

  private async create(
    resource: ResourceKind,
    spec: BindingSpec,
    inboundId: string | undefined,
  ): Promise<LiveKitResult<string>> {
    const lk = this.deps.livekit;
    const id = <T extends { id: string }>(r: LiveKitResult<T>): LiveKitResult<string> =>
      r.ok ? { ok: true, value: r.value.id } : r;
    switch (resource) {
      case 'inbound':
        return id(await lk.createInboundTrunk(desiredInbound(spec)));
      case 'rule':
        if (!inboundId)
          return {
            ok: false,
            failure: { kind: 'not-found', message: 'no inbound trunk to attach the dispatch rule to' },
          };
        return id(await lk.createDispatchRule(desiredRule(spec, inboundId)));
      case 'outbound':
        return id(
          await lk.createOutboundTrunk({
            ...desiredOutbound(spec),
            authPassword: spec.auth.kind === 'digest' ? spec.auth.password : '',
          }),
        );
    }
  }

  /** Apply an update step's patch, or (`before`) put back what it replaced. */
  private async update(
    step: UpdateStep,
    which: 'patch' | 'before',
    spec: BindingSpec | undefined,
    previous: BindingSpec | undefined,
  ): Promise<LiveKitResult<unknown>> {
    const lk = this.deps.livekit;
    switch (step.resource) {
      case 'inbound':
        return lk.updateInboundTrunk(step.id, step[which]);
      case 'rule':
        return lk.updateDispatchRule(step.id, step[which]);
      case 'outbound': {
        const fields = { ...step[which] };
        const source = which === 'patch' ? spec : previous;
        const password = source?.auth.kind === 'digest' ? source.auth.password : '';
        const username = fields.authUsername ?? (source?.auth.kind === 'digest' ? source.auth.username : undefined);
        const needsPassword = step.passwordChanged || (fields.authUsername !== undefined && fields.authUsername !== '');
        if (needsPassword && username)
          return lk.updateOutboundTrunk(step.id, { ...fields, authUsername: username, authPassword: password });
        return lk.updateOutboundTrunk(step.id, fields);
      }
    }
  }

  // ---------------------------------------------------------------------------- rollback

  /**
   * Undo the done (and possibly half-done) steps in reverse order. Creates whose outcome is
   * unknown (timeout, crash) are found by their managed tag. Returns false when LiveKit could
   * not be put back; the entry stays `stuck` and is retried.
   */
  private async rollback(
    journalId: string,
    kind: ChangeKind,
    name: string,
    request: ChangeRequest,
    steps: ChangeStep[],
    previous: Binding | undefined,
    onProgress: ProgressFn,
  ): Promise<boolean> {
    const { repos, now, logger } = this.deps;
    const errors: string[] = [];
    for (const step of [...steps].reverse()) {
      if (step.status === 'pending' || step.status === 'undone') continue;
      const r = await this.undo(step, name, request, steps, previous);
      if (r.ok) step.status = 'undone';
      else {
        errors.push(`undo "${describeStep(step)}": ${describeFailure(r.failure)}`);
      }
      await repos.journal.save(journalId, { steps }, now());
      await onProgress(steps, 'rolling-back');
    }
    if (errors.length) {
      logger.error({ journalId, binding: name, errors }, 'binding change: rollback incomplete, will retry');
      const entry = await repos.journal.get<ChangeStep, ChangeRequest>(journalId);
      await repos.journal.save(
        journalId,
        { state: 'stuck', error: `${entry?.error ?? ''} | rollback incomplete: ${errors.join('; ')}` },
        now(),
      );
      return false;
    }
    // Deletes that were undone re-created resources under new IDs: the binding row follows them.
    if (kind === 'delete' && steps.some((s) => s.op === 'delete' && s.newId)) {
      const current = await repos.bindings.get(name);
      if (current)
        await repos.bindings.update(
          specOf(current),
          resourcesAfter(current.resources, steps),
          'sip-ops',
          current.version,
          now(),
        );
    }
    await repos.journal.save(journalId, { state: 'rolled_back' }, now());
    return true;
  }

  private async undo(
    step: ChangeStep,
    name: string,
    request: ChangeRequest,
    steps: ChangeStep[],
    previous: Binding | undefined,
  ): Promise<LiveKitResult<unknown>> {
    switch (step.op) {
      case 'est': {
        // The spec as it was asked for (it holds the password in memory on a live run; recovery reads the store).
        const stored = previous ?? (await this.deps.repos.bindings.get(name));
        const spec = this.current.get(name) ?? stored ?? request.spec;
        return this.est(step, 'undo', spec, request, steps, stored, () => undefined);
      }
      case 'create': {
        if (step.status === 'done' && step.id) return this.ignoreNotFound(this.remove(step.resource, step.id));
        // Running or failed: LiveKit may have created it without us learning the ID.
        return this.sweepOrphans(step.resource, name, request.resources);
      }
      case 'update': {
        const stored = previous ?? (await this.deps.repos.bindings.get(name));
        return this.update(step, 'before', undefined, stored);
      }
      case 'delete': {
        if (step.status !== 'done') {
          // A delete that failed or was cut off: if the resource is gone after all, put it back.
          const still = await this.exists(step.resource, step.id);
          if (!still.ok) return still;
          if (still.value) return { ok: true, value: undefined };
        }
        const binding = previous ?? (await this.deps.repos.bindings.get(name));
        if (!binding)
          return { ok: false, failure: { kind: 'not-found', message: `binding ${name} is not in the database` } };
        const r = await this.create(
          step.resource,
          specOf(binding),
          resourcesAfter(request.resources, steps).inboundTrunkId,
        );
        if (r.ok) step.newId = r.value;
        return r;
      }
    }
  }

  private remove(resource: ResourceKind, id: string): Promise<LiveKitResult<void>> {
    return resource === 'rule' ? this.deps.livekit.deleteDispatchRule(id) : this.deps.livekit.deleteTrunk(id);
  }

  private async ignoreNotFound(p: Promise<LiveKitResult<void>>): Promise<LiveKitResult<void>> {
    const r = await p;
    return !r.ok && r.failure.kind === 'not-found' ? { ok: true, value: undefined } : r;
  }

  private async exists(resource: ResourceKind, id: string): Promise<LiveKitResult<boolean>> {
    const lk = this.deps.livekit;
    const r =
      resource === 'inbound'
        ? await lk.listInboundTrunks([id])
        : resource === 'rule'
          ? await lk.listDispatchRules([id])
          : await lk.listOutboundTrunks([id]);
    return r.ok ? { ok: true, value: r.value.some((x) => x.id === id) } : r;
  }

  /** Delete resources tagged for this binding that the binding does not own. */
  private async sweepOrphans(
    resource: ResourceKind,
    name: string,
    owned: BindingResources,
  ): Promise<LiveKitResult<void>> {
    const lk = this.deps.livekit;
    const list: LiveKitResult<Array<{ id: string; metadata: string }>> =
      resource === 'inbound'
        ? await lk.listInboundTrunks()
        : resource === 'rule'
          ? await lk.listDispatchRules()
          : await lk.listOutboundTrunks();
    if (!list.ok) return list;
    const keep = new Set(Object.values(owned).filter((v): v is string => typeof v === 'string'));
    for (const r of list.value) {
      if (keep.has(r.id) || parseManagedTag(r.metadata)?.binding !== name) continue;
      const d = await this.ignoreNotFound(this.remove(resource, r.id));
      if (!d.ok) return d;
      this.deps.logger.info(
        { binding: name, resource, id: r.id },
        'binding change: removed a resource created by an interrupted change',
      );
    }
    return { ok: true, value: undefined };
  }

  // ---------------------------------------------------------------------------- recovery

  /**
   * Finish every open journal entry: deletes are completed (the user asked for the binding to
   * go; every step is idempotent), everything else is rolled back. An entry is taken under the
   * binding's shared lease first, in the name of the change's author: an entry whose change still
   * runs here or on a live replica (its lease renewed) is `held` and left for a later pass; once a
   * dead replica's lease runs out, the first replica to take it re-reads the entry and recovers it
   * only if it is still open, so it is recovered once. Returns what was done, for announcements.
   */
  async recover(): Promise<RecoveryReport[]> {
    const reports: RecoveryReport[] = [];
    for (const item of await this.deps.repos.journal.listOpen(CHANGE_JOURNAL)) {
      if (item instanceof UnreadableJournalEntryError) {
        this.deps.logger.error(
          { journalId: item.journalId, binding: item.bindingName, reason: item.reason },
          'journal recovery: an entry cannot be read; left as it is',
        );
        reports.push({ outcome: 'unreadable', error: item });
        continue;
      }
      if (!(await this.reserveFor(item.bindingName, item.actor)).ok) {
        reports.push({ entry: item, outcome: 'held' });
        continue;
      }
      try {
        const entry = await this.deps.repos.journal.get(item.id, CHANGE_JOURNAL);
        if (!entry || !OPEN_STATES.includes(entry.state)) continue; // another replica finished it meanwhile
        reports.push({ entry, outcome: await this.recoverEntry(entry) });
      } catch (err) {
        this.deps.logger.error({ err, journalId: item.id }, 'journal recovery failed');
        reports.push({ entry: item, outcome: 'stuck' });
      } finally {
        this.release(item.bindingName);
      }
    }
    return reports;
  }

  private async recoverEntry(entry: Journal): Promise<'completed' | 'rolled-back' | 'stuck'> {
    const { repos, now } = this.deps;
    const steps = entry.steps;
    if (entry.kind === 'delete' && entry.state === 'applying')
      return (await this.finishDelete(entry, steps)) ? 'completed' : 'stuck';
    await repos.journal.save(
      entry.id,
      { state: 'rolling_back', error: entry.error ?? 'interrupted before it finished (the service stopped)' },
      now(),
    );
    const stored = await repos.bindings.get(entry.bindingName);
    const previous = entry.kind === 'create' || entry.kind === 'import' ? undefined : stored;
    const ok = await this.rollback(
      entry.id,
      entry.kind,
      entry.bindingName,
      entry.request,
      steps,
      previous,
      () => undefined,
    );
    return ok ? 'rolled-back' : 'stuck';
  }

  private async finishDelete(entry: Journal, steps: ChangeStep[]): Promise<boolean> {
    const { repos, now } = this.deps;
    const stored = await repos.bindings.get(entry.bindingName);
    for (const step of steps) {
      if ((step.op !== 'delete' && step.op !== 'est') || step.status === 'done') continue;
      const r =
        step.op === 'est'
          ? await this.est(step, 'apply', stored ?? entry.request.spec, entry.request, steps, stored, () => undefined)
          : await this.ignoreNotFound(this.remove(step.resource, step.id));
      if (!r.ok) {
        await repos.journal.save(
          entry.id,
          { steps, state: 'stuck', error: `finishing the delete: ${describeFailure(r.failure)}` },
          now(),
        );
        return false;
      }
      step.status = 'done';
      await repos.journal.save(entry.id, { steps }, now());
    }
    await repos.transaction(async (tx) => {
      await tx.bindings.delete(entry.bindingName);
      await tx.journal.save(entry.id, { state: 'committed', steps }, now());
      await tx.audit.record(
        {
          actor: entry.actor,
          action: ACTION.delete,
          bindingName: entry.bindingName,
          before: entry.request.spec,
          detail: `journal ${entry.id}: completed after a restart`,
        },
        now(),
      );
    });
    return true;
  }
}

export type RecoveryReport =
  /** `held`: its change still runs (here, or on a replica whose lease has not run out); left for a later pass. */
  | { entry: Journal; outcome: 'completed' | 'rolled-back' | 'stuck' | 'held' }
  /** The stored entry does not parse; recovery leaves it alone and says so. */
  | { outcome: 'unreadable'; error: UnreadableJournalEntryError };

/** The journal could not be written, so nothing was sent to LiveKit. */
export class ChangeNotStartedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`the database could not be written (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

export class StaleBindingError extends Error {
  constructor(name: string) {
    super(
      `Binding ${name} was changed by someone else while this change ran; nothing was saved. Open it again to see the current values.`,
    );
  }
}
