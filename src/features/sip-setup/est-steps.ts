/**
 * Runs the EST steps of a binding change (domain/est-plan.ts) against Sinch, and undoes them. Each step
 * records what it created or found before it acted, so undo removes only the change's additions and puts
 * back what it changed (a number onto its previous trunk, an endpoint back to its previous target).
 * Failures come back as `LiveKitResult` failures (kind `server`, the Sinch error's message) so the executor
 * treats both systems alike; Sinch messages never hold the key secret (src/sinch/errors.ts scrubs them).
 */
import type { BindingSpec, EstResources } from '../../domain/binding';
import { estResourceName, type EndpointTarget, type EstStep } from '../../domain/est-plan';
import type { LiveKitResult } from '../../domain/livekit-failure';
import { SinchError, SinchProvisioningStuckError, scrubSecrets } from '../../sinch/errors';
import type { SinchGateway } from '../../sinch/gateway';
import { numberAssignment } from '../../sinch/gateway';
import { waitForNumberOnTrunk } from '../../sinch/provisioning';
import type { ActiveNumber } from '../../sinch/wire';

export interface EstRunnerOptions {
  /** Numbers API provisioning wait: polls and the pause between them. */
  provisioningPolls: number;
  provisioningIntervalMs: number;
  sleep: (ms: number) => Promise<void>;
}

type R = LiveKitResult<unknown>;
const OK: R = { ok: true, value: undefined };

/** The step's resources as they stand (earlier steps' IDs), the spec, and a hook to show provisioning progress. */
export interface EstStepContext {
  spec: BindingSpec;
  /** The binding before the change (undo of a credential update or a removal needs its password). */
  previous?: BindingSpec;
  est: EstResources;
  progress: () => void | Promise<void>;
}

export class EstStepRunner {
  constructor(
    private readonly sinch: SinchGateway,
    private readonly opts: EstRunnerOptions,
  ) {}

  async apply(step: EstStep, c: EstStepContext): Promise<R> {
    return guard(() => this.applyUnsafe(step, c), digestPasswords(c));
  }

  async undo(step: EstStep, c: EstStepContext): Promise<R> {
    return guard(() => this.undoUnsafe(step, c), digestPasswords(c));
  }

  private async applyUnsafe(step: EstStep, c: EstStepContext): Promise<void> {
    const g = this.sinch;
    const name = estResourceName(c.spec.name);
    switch (step.resource) {
      case 'trunk': {
        if (step.action === 'remove') return g.deleteTrunk(step.id);
        const host = hostLabel(c.spec.trunkDomain);
        const found = await this.findTrunk(c.spec.trunkDomain);
        if (found) Object.assign(step, { id: found, created: false });
        else Object.assign(step, { id: (await g.createTrunk({ name, hostName: host })).id, created: true });
        return;
      }
      case 'endpoint': {
        const trunkId = need(c.est.trunkId, 'trunk');
        if (step.action === 'remove') return g.deleteEndpoint(trunkId, step.id);
        if (step.action === 'update')
          return void (await g.updateEndpoint(trunkId, step.id, endpointInput(name, step.after)));
        const want = endpointTarget(c.spec);
        const existing = (await g.listEndpoints(trunkId)).find((e) => sameTarget(e, want));
        if (existing) Object.assign(step, { id: existing.id, created: false });
        else
          Object.assign(step, { id: (await g.createEndpoint(trunkId, endpointInput(name, want))).id, created: true });
        return;
      }
      case 'acl':
        return step.action === 'ensure' ? this.ensureAcl(step, c, name) : this.removeLinkable(step, c, 'acl');
      case 'credentials':
        if (step.action === 'ensure') return this.ensureCredentials(step, c, name);
        if (step.action === 'update') return this.setCredential(step.id, step.previousUsername, c.spec);
        return this.removeLinkable(step, c, 'credentials');
      case 'number':
        return this.moveNumber(step, step.action === 'assign' ? need(c.est.trunkId, 'trunk') : null, c, true);
    }
  }

  private async undoUnsafe(step: EstStep, c: EstStepContext): Promise<void> {
    const g = this.sinch;
    const name = estResourceName(c.spec.name);
    switch (step.resource) {
      case 'trunk':
        if (step.action === 'ensure') {
          const id =
            step.id ?? (step.status !== 'done' ? await this.findOwnTrunk(c.spec.trunkDomain, name) : undefined);
          if (id && (step.created ?? step.id === undefined)) await ignoreNotFound(g.deleteTrunk(id));
          return;
        }
        // An undone removal: the trunk comes back (its DIDs follow through the number steps' undo).
        if (!(await this.exists(() => g.getTrunk(step.id))))
          step.newId = (await g.createTrunk({ name, hostName: hostLabel(c.spec.trunkDomain) })).id;
        return;
      case 'endpoint': {
        const trunkId = c.est.trunkId;
        if (!trunkId) return;
        if (step.action === 'ensure') {
          const id =
            step.id ??
            (step.status !== 'done' ? (await g.listEndpoints(trunkId)).find((e) => e.name === name)?.id : undefined);
          if (id && (step.created ?? step.id === undefined)) await ignoreNotFound(g.deleteEndpoint(trunkId, id));
          return;
        }
        if (step.action === 'update')
          return void (await g.updateEndpoint(trunkId, step.id, endpointInput(name, step.before)));
        if (!(await this.exists(() => g.getEndpoint(trunkId, step.id))))
          step.newId = (await g.createEndpoint(trunkId, endpointInput(name, endpointTarget(c.previous ?? c.spec)))).id;
        return;
      }
      case 'acl':
        return step.action === 'ensure' ? this.undoEnsureAcl(step, c, name) : this.undoRemoveAcl(step, c, name);
      case 'credentials':
        if (step.action === 'ensure') return this.undoEnsureCredentials(step, c, name);
        if (step.action === 'update')
          return this.setCredential(step.id, step.username, need(c.previous, 'previous binding'));
        return this.undoRemoveCredentials(step, c, name);
      case 'number':
        if (step.previousTrunkId === undefined) return; // never read: the number was not touched
        return this.restoreNumber(step, step.previousTrunkId, c);
    }
  }

  // ---------------------------------------------------------------- trunk lookups

  /** The trunk whose host name is the domain's first label (the project's trunk domain is `<hostName>.pstn.sinch.com`). */
  private async findTrunk(domain: string): Promise<string | undefined> {
    const d = domain.toLowerCase();
    const host = hostLabel(domain);
    const trunks = await this.sinch.listTrunks();
    return trunks.find((t) => (t.domain ?? '').toLowerCase() === d || t.hostName.toLowerCase() === host)?.id;
  }

  /** A trunk this binding created (by name), for an interrupted create whose ID was never learned. */
  private async findOwnTrunk(domain: string, name: string): Promise<string | undefined> {
    const host = hostLabel(domain);
    return (await this.sinch.listTrunks()).find((t) => t.name === name && t.hostName.toLowerCase() === host)?.id;
  }

  private async exists(read: () => Promise<unknown>): Promise<boolean> {
    try {
      await read();
      return true;
    } catch (err) {
      if (err instanceof SinchError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  // ---------------------------------------------------------------- ACL and credentials

  private async ensureAcl(
    step: Extract<EstStep, { resource: 'acl'; action: 'ensure' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    const trunkId = need(c.est.trunkId, 'trunk');
    if (!step.ip) throw new Error("LiveKit's public IP is not known, so the ACL cannot be set up");
    const linked = new Set(await g.listTrunkAclIds(trunkId));
    const acls = await g.listAcls();
    const allows = acls.find(
      (a) => a.enabled !== false && (a.ipRanges ?? []).some((r) => r.ipAddress === step.ip && (r.range ?? 32) === 32),
    );
    if (allows) step.created = false;
    const id =
      allows?.id ??
      (
        await g.createAcl({
          name,
          enabled: true,
          ipRanges: [{ ipAddress: step.ip, range: 32, description: 'LiveKit SIP (SIP Ops)' }],
        })
      ).id;
    step.id = id;
    step.created ??= true;
    if (linked.has(id)) step.linked = false;
    else {
      await g.addTrunkAcls(trunkId, [id]);
      step.linked = true;
    }
  }

  private async undoEnsureAcl(
    step: Extract<EstStep, { resource: 'acl'; action: 'ensure' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    const id = step.id ?? (step.status !== 'done' ? (await g.listAcls()).find((a) => a.name === name)?.id : undefined);
    if (!id) return;
    const created = step.created ?? step.id === undefined;
    if (c.est.trunkId && (step.linked || created)) await ignoreNotFound(g.removeTrunkAcl(c.est.trunkId, id));
    if (created) await ignoreNotFound(g.deleteAcl(id));
  }

  private async undoRemoveAcl(
    step: Extract<EstStep, { resource: 'acl'; action: 'remove' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    let id = step.id;
    if (step.created && !(await this.exists(() => g.getAcl(id)))) {
      id = (
        await g.createAcl({
          name,
          enabled: true,
          ipRanges: [{ ipAddress: step.ip, range: 32, description: 'LiveKit SIP (SIP Ops)' }],
        })
      ).id;
      step.newId = id;
    }
    const trunkId = c.est.trunkId;
    if (trunkId && !(await g.listTrunkAclIds(trunkId)).includes(id)) await g.addTrunkAcls(trunkId, [id]);
  }

  private async ensureCredentials(
    step: Extract<EstStep, { resource: 'credentials'; action: 'ensure' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    const trunkId = need(c.est.trunkId, 'trunk');
    const auth = c.spec.auth;
    if (auth.kind !== 'digest') throw new Error('the binding does not use digest authentication');
    const own = (await g.listCredentialLists()).find((l) => l.name === name);
    if (own) {
      step.created = false;
      await g.setCredentialPassword(own.id, auth.username, auth.password);
    }
    const id =
      own?.id ??
      (await g.createCredentialList({ name, credentials: [{ username: auth.username, password: auth.password }] })).id;
    step.id = id;
    step.created ??= true;
    if ((await g.listTrunkCredentialListIds(trunkId)).includes(id)) step.linked = false;
    else {
      // POST appends; the PUT would replace the trunk's other lists.
      await g.addTrunkCredentialLists(trunkId, [id]);
      step.linked = true;
    }
  }

  private async undoEnsureCredentials(
    step: Extract<EstStep, { resource: 'credentials'; action: 'ensure' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    const id =
      step.id ??
      (step.status !== 'done' ? (await g.listCredentialLists()).find((l) => l.name === name)?.id : undefined);
    if (!id) return;
    const created = step.created ?? step.id === undefined;
    if (c.est.trunkId && (step.linked || created)) await ignoreNotFound(g.removeTrunkCredentialList(c.est.trunkId, id));
    if (created) await ignoreNotFound(g.deleteCredentialList(id));
  }

  private async undoRemoveCredentials(
    step: Extract<EstStep, { resource: 'credentials'; action: 'remove' }>,
    c: EstStepContext,
    name: string,
  ): Promise<void> {
    const g = this.sinch;
    let id = step.id;
    if (step.created && !(await this.exists(() => g.getCredentialList(id)))) {
      const auth = need(c.previous ?? c.spec, 'binding').auth;
      if (auth.kind !== 'digest') return;
      id = (await g.createCredentialList({ name, credentials: [{ username: auth.username, password: auth.password }] }))
        .id;
      step.newId = id;
    }
    const trunkId = c.est.trunkId;
    if (trunkId && !(await g.listTrunkCredentialListIds(trunkId)).includes(id))
      await g.addTrunkCredentialLists(trunkId, [id]);
  }

  private async setCredential(listId: string, otherUser: string, spec: BindingSpec): Promise<void> {
    if (spec.auth.kind !== 'digest') return;
    await this.sinch.setCredentialPassword(listId, spec.auth.username, spec.auth.password);
    if (otherUser !== spec.auth.username) await ignoreNotFound(this.sinch.deleteCredential(listId, otherUser));
  }

  private async removeLinkable(
    step: Extract<EstStep, { action: 'remove'; resource: 'acl' | 'credentials' }>,
    c: EstStepContext,
    kind: 'acl' | 'credentials',
  ): Promise<void> {
    const g = this.sinch;
    const trunkId = c.est.trunkId;
    if (trunkId && (step.linked || step.created)) {
      await ignoreNotFound(
        kind === 'acl' ? g.removeTrunkAcl(trunkId, step.id) : g.removeTrunkCredentialList(trunkId, step.id),
      );
    }
    if (step.created) await ignoreNotFound(kind === 'acl' ? g.deleteAcl(step.id) : g.deleteCredentialList(step.id));
  }

  // ---------------------------------------------------------------- numbers

  /**
   * Moves a DID onto `trunkId` (null: off EST), then waits (bounded) for the Numbers API to show it there.
   * On the forward move the number's current trunk is recorded first, so undo can put it back.
   */
  private async moveNumber(
    step: Extract<EstStep, { resource: 'number' }>,
    trunkId: string | null,
    c: EstStepContext,
    forward: boolean,
  ): Promise<void> {
    const g = this.sinch;
    if (forward && step.previousTrunkId === undefined) {
      const now = numberAssignment(await g.getActiveNumber(step.did));
      step.previousTrunkId = now.state === 'assigned' ? now.trunkId : null;
      await c.progress();
    }
    const current = numberAssignment(await g.getActiveNumber(step.did));
    const already =
      trunkId === null ? current.state === 'unassigned' : current.state === 'assigned' && current.trunkId === trunkId;
    if (!already) await g.assignNumber(step.did, trunkId);
    try {
      await this.waitOnTrunk(step, trunkId, c);
    } finally {
      delete step.detail;
    }
  }

  private async waitOnTrunk(
    step: Extract<EstStep, { resource: 'number' }>,
    trunkId: string | null,
    c: EstStepContext,
  ): Promise<void> {
    await waitForNumberOnTrunk(this.sinch, step.did, trunkId, {
      maxPolls: this.opts.provisioningPolls,
      intervalMs: this.opts.provisioningIntervalMs,
      sleep: this.opts.sleep,
      onProgress: async (poll, state) => {
        if (state.state === 'pending')
          step.detail = `provisioning: ${state.status}, check ${poll}/${this.opts.provisioningPolls}`;
        else delete step.detail;
        await c.progress();
      },
    });
  }

  /**
   * Undo of a number move: the number's configuration goes back to `trunkId` (null: no EST trunk), and any
   * change still scheduled is replaced by that one. Done when the configuration in force is the previous one
   * and nothing else is scheduled, so a number stuck in provisioning is still put back (its pending move is
   * overwritten; the configuration in force never changed).
   */
  private async restoreNumber(
    step: Extract<EstStep, { resource: 'number' }>,
    trunkId: string | null,
    c: EstStepContext,
  ): Promise<void> {
    const g = this.sinch;
    if (settledOn(await g.getActiveNumber(step.did), trunkId)) return;
    await g.assignNumber(step.did, trunkId);
    for (let poll = 1; poll <= this.opts.provisioningPolls; poll++) {
      if (settledOn(await g.getActiveNumber(step.did), trunkId)) {
        delete step.detail;
        return;
      }
      step.detail = `putting back: check ${poll}/${this.opts.provisioningPolls}`;
      await c.progress();
      if (poll < this.opts.provisioningPolls) await this.opts.sleep(this.opts.provisioningIntervalMs);
    }
    delete step.detail;
    throw new SinchProvisioningStuckError(
      `Sinch has not finished putting ${step.did} back ${trunkId ? `onto trunk ${trunkId}` : 'off EST trunks'} after ${this.opts.provisioningPolls} checks`,
      {
        operation: 'PATCH /activeNumbers/{id}',
      },
    );
  }
}

/** The number's configuration in force is `trunkId` (null: not on an EST trunk) and nothing else is scheduled. */
function settledOn(n: ActiveNumber, trunkId: string | null): boolean {
  const vc = n.voiceConfiguration;
  const inForce = vc?.type === 'EST' && vc.trunkId ? vc.trunkId : null;
  const sched = vc?.scheduledVoiceProvisioning;
  const scheduled = sched && sched.status ? (sched.type === 'EST' && sched.trunkId ? sched.trunkId : null) : inForce;
  return inForce === trunkId && scheduled === trunkId;
}

function endpointTarget(spec: Pick<BindingSpec, 'livekitSipHost' | 'transport'>): EndpointTarget {
  return {
    address: spec.livekitSipHost.toLowerCase(),
    port: spec.transport === 'tls' ? 5061 : 5060,
    transport: spec.transport.toUpperCase() as EndpointTarget['transport'],
  };
}

function endpointInput(name: string, t: EndpointTarget) {
  return { name, address: t.address, port: t.port, transport: t.transport, priority: 1, enabled: true };
}

function sameTarget(
  e: { address?: string | null | undefined; port?: number | null | undefined; transport?: string | null | undefined },
  t: EndpointTarget,
): boolean {
  return (
    (e.address ?? '').toLowerCase() === t.address &&
    (e.port ?? 5060) === t.port &&
    (e.transport ?? 'UDP').toUpperCase() === t.transport
  );
}

/** `acme.pstn.sinch.com` → `acme`: the trunk's host name (its domain is `<hostName>.<topLevelDomain>`). */
export function hostLabel(domain: string): string {
  return domain.toLowerCase().split('.')[0] ?? domain.toLowerCase();
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`no EST ${what} to work on (an earlier step did not finish)`);
  return v;
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof SinchError && err.kind === 'not-found')) throw err;
  }
}

/** The change's digest passwords: a Sinch error that echoes one (e.g. a field violation) must not carry it on. */
function digestPasswords(c: EstStepContext): string[] {
  return [c.spec, c.previous].flatMap((s) => (s?.auth.kind === 'digest' && s.auth.password ? [s.auth.password] : []));
}

async function guard(fn: () => Promise<void>, secrets: readonly string[]): Promise<R> {
  try {
    await fn();
    return OK;
  } catch (err) {
    const message =
      err instanceof SinchError ? err.message : `SIP Ops could not finish the step: ${(err as Error).message}`;
    return { ok: false, failure: { kind: 'server', message: scrubSecrets(message, secrets) } };
  }
}
