import { DEFAULT_RATE_LIMITS, type CallRequest, type TestCallPolicy } from '../../../src/domain/test-call-guards';
import { openStore, type Store } from '../../../src/store';
import { TestCallGuardsRepo } from '../../../src/store/test-call-guards-repo';
import { storeEngines } from '../../support/postgres';

const policy: TestCallPolicy = {
  channelIds: ['CSUPPORT1'],
  adminUserIds: [],
  allowedPrefixes: ['+1'],
  limits: { ...DEFAULT_RATE_LIMITS, perUser: { max: 2, windowMs: 60_000 } },
};
const req = (over: Partial<CallRequest> = {}): CallRequest => ({
  channelId: 'CSUPPORT1',
  userId: 'U1',
  binding: 'acme',
  trunkDomain: 'acme.pstn.sinch.com',
  number: '+14155550100',
  ...over,
});
const LEASE_MS = 30_000;

describe.each(storeEngines())('TestCallGuardsRepo on %s', (_name, engine) => {
  let store: Store;
  let fresh = true;
  /** The first open of a test gets an empty database; later ones reopen it. */
  const open = async (): Promise<TestCallGuardsRepo> => {
    store = fresh ? await engine.open() : await openStore(engine.current());
    fresh = false;
    return new TestCallGuardsRepo(store.db);
  };
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());
  beforeEach(() => {
    fresh = true;
  });
  afterEach(async () => {
    await store.close();
  });

  it('a binding in flight stays busy across a reopen until released', async () => {
    let repo = await open();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await repo.admit(policy, req(), t0, LEASE_MS);
    expect(first.admission.ok).toBe(true);
    await store.close();
    repo = await open();
    const busy = await repo.admit(policy, req({ userId: 'U2' }), new Date(t0.getTime() + 5000), LEASE_MS);
    expect(busy.admission).toMatchObject({ ok: false, refusal: { code: 'in-flight', binding: 'acme', user: 'U1' } });
    await repo.release('acme', first.callId!);
    expect(
      (await repo.admit(policy, req({ userId: 'U2' }), new Date(t0.getTime() + 6000), LEASE_MS)).admission.ok,
    ).toBe(true);
  });

  it("a dead process's in-flight entry expires with its lease", async () => {
    const repo = await open();
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect((await repo.admit(policy, req(), t0, LEASE_MS)).admission.ok).toBe(true);
    const before = await repo.admit(policy, req({ userId: 'U2' }), new Date(t0.getTime() + LEASE_MS - 1), LEASE_MS);
    expect(before.admission.ok).toBe(false);
    const after = await repo.admit(policy, req({ userId: 'U2' }), new Date(t0.getTime() + LEASE_MS), LEASE_MS);
    expect(after.admission.ok).toBe(true);
  });

  it('release of an older call does not free the binding for the call that holds it now', async () => {
    const repo = await open();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const old = await repo.admit(policy, req(), t0, LEASE_MS);
    const now = await repo.admit(policy, req({ userId: 'U2' }), new Date(t0.getTime() + LEASE_MS), LEASE_MS);
    expect(now.admission.ok).toBe(true);
    await repo.release('acme', old.callId!);
    const third = await repo.admit(policy, req({ userId: 'U3' }), new Date(t0.getTime() + LEASE_MS + 2000), LEASE_MS);
    expect(third.admission).toMatchObject({ ok: false, refusal: { code: 'in-flight', user: 'U2' } });
  });

  it('per-user window and the trunk-domain slot hold across a reopen; old attempts are pruned', async () => {
    let repo = await open();
    const t0 = new Date('2026-01-01T00:00:00Z');
    for (const [i, binding] of ['a', 'b'].entries()) {
      expect(
        (await repo.admit(policy, req({ binding }), new Date(t0.getTime() + i * 1000), LEASE_MS)).admission.ok,
      ).toBe(true);
    }
    await store.close();
    repo = await open();
    const refused = await repo.admit(policy, req({ binding: 'c' }), new Date(t0.getTime() + 2000), LEASE_MS);
    expect(refused.admission).toMatchObject({ ok: false, refusal: { code: 'user-rate', max: 2 } });
    const other = await repo.admit(
      policy,
      req({ binding: 'c', userId: 'U2' }),
      new Date(t0.getTime() + 1200),
      LEASE_MS,
    );
    expect(other.admission).toMatchObject({ ok: true, startAt: t0.getTime() + 2000, delayMs: 800 });
    const later = new Date(t0.getTime() + 11 * 60_000); // past every window (per binding: 10 min)
    expect((await repo.state(policy.limits, later)).attempts.map((a) => a.binding)).toEqual([]);
    expect(await store.db.selectFrom('test_call_attempts').select('id').execute()).toEqual([]);
  });
});
