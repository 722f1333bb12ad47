import pino from 'pino';
import type { BindingSpec } from '../../../../src/domain/binding';
import type { ChangeStep } from '../../../../src/domain/change-plan';
import {
  ChangeExecutor,
  type ChangeRequest,
  type RecoveryReport,
} from '../../../../src/features/sip-setup/change-executor';
import { CHANGE_JOURNAL } from '../../../../src/features/sip-setup/journal-entry';
import { Recovery, unreadableText } from '../../../../src/features/sip-setup/recovery';
import type { InflightWork } from '../../../../src/inflight';
import type { LiveKitGateway } from '../../../../src/livekit/gateway';
import { createRepos, openStore, type Repos, type Store } from '../../../../src/store';
import { UnreadableJournalEntryError } from '../../../../src/store/journal-repo';
import { bindingSpec } from '../../../support/fixtures';

const logger = pino({ level: 'silent' });
const now = () => new Date('2026-01-02T03:04:05Z');

/** Recovery of the entries below needs no LiveKit call; any call fails the test. */
const noLiveKit = new Proxy(
  {},
  { get: (_t, p) => () => Promise.reject(new Error(`unexpected LiveKit call ${String(p)}`)) },
) as LiveKitGateway;

const request = (spec: BindingSpec): ChangeRequest => ({
  spec,
  resources: { inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_r', outboundTrunkId: 'ST_out' },
});
const doneDeletes: ChangeStep[] = [
  { op: 'delete', resource: 'rule', id: 'SDR_r', status: 'done' },
  { op: 'delete', resource: 'inbound', id: 'ST_in', status: 'done' },
];

describe('journal recovery', () => {
  let store: Store;
  let repos: Repos;
  beforeEach(async () => {
    store = await openStore(':memory:');
    repos = createRepos(store);
  });
  afterEach(async () => store.close());

  /** An open delete of `spec`, then the stored row patched raw as a broken writer would leave it. */
  async function entry(
    spec: BindingSpec,
    raw: Partial<{ kind: string; request: string; steps: string }> = {},
  ): Promise<string> {
    const e = await repos.journal.open(
      { bindingName: spec.name, kind: 'delete', actor: 'UADMIN01', request: request(spec), steps: doneDeletes },
      now(),
    );
    if (Object.keys(raw).length) await store.db.updateTable('change_journal').set(raw).where('id', '=', e.id).execute();
    return e.id;
  }

  it('reports entries that do not parse, with why, finishes the readable one, and leaves the others open', async () => {
    const good = bindingSpec();
    await repos.bindings.insert(good, request(good).resources, 'UADMIN01');
    const badJson = await entry(bindingSpec(), { request: '{"spec": ' });
    const badStep = await entry(bindingSpec(), {
      steps: JSON.stringify([{ op: 'explode', resource: 'rule', status: 'done' }]),
    });
    const badKind = await entry(bindingSpec(), { kind: 'rename' });
    const noSpec = await entry(bindingSpec(), { request: JSON.stringify({ resources: {} }) });
    const goodId = await entry(good);

    const reports = await new ChangeExecutor({ livekit: noLiveKit, repos, logger, now }).recover();
    const unreadable = reports.flatMap((r) =>
      r.outcome === 'unreadable' ? [[r.error.journalId, r.error.reason]] : [],
    );
    expect(unreadable).toEqual([
      [badJson, 'request is not JSON'],
      [badStep, expect.stringMatching(/^steps\.0/)],
      [badKind, expect.stringMatching(/^row\.kind/)],
      [noSpec, expect.stringMatching(/^request\.spec/)],
    ]);
    expect(reports.filter((r) => r.outcome !== 'unreadable')).toEqual([
      expect.objectContaining({ outcome: 'completed', entry: expect.objectContaining({ id: goodId }) }),
    ]);
    expect(await repos.bindings.get(good.name)).toBeUndefined();
    const open = await repos.journal.listOpen(CHANGE_JOURNAL);
    expect(open.map((e) => (e instanceof UnreadableJournalEntryError ? e.journalId : e.id))).toEqual([
      badJson,
      badStep,
      badKind,
      noSpec,
    ]);
  });

  it('get and listFor with the reader throw UnreadableJournalEntryError; a readable entry round-trips', async () => {
    const spec = bindingSpec();
    const bad = await entry(spec, { steps: '[{"op":"delete"}]' });
    await expect(repos.journal.get(bad, CHANGE_JOURNAL)).rejects.toBeInstanceOf(UnreadableJournalEntryError);
    await expect(repos.journal.listFor(spec.name, 20, CHANGE_JOURNAL)).rejects.toThrow(/cannot be read: steps\.0/);
    const other = bindingSpec({
      agentName: 'agent-1',
      auth: { kind: 'digest', username: 'u', password: '[redacted]' },
    });
    const ok = await entry(other);
    expect(await repos.journal.get(ok, CHANGE_JOURNAL)).toMatchObject({ request: request(other), steps: doneDeletes });
  });

  it('Recovery says so in the binding’s report channel, escaped, and schedules no retry for it', async () => {
    const spec = bindingSpec({ reportChannel: 'CREPORT01' });
    await repos.bindings.insert(spec, request(spec).resources, 'UADMIN01');
    const id = await entry(spec, { request: 'nope' });
    await entry(bindingSpec(), { request: 'nope' }); // its binding is gone: logged only
    const announced: Array<{ channel: string; text: string }> = [];
    const tracked: string[] = [];
    const inflight = {
      track: (name: string, p: Promise<unknown>) => (tracked.push(name), p),
    } as unknown as InflightWork;
    const executor = new ChangeExecutor({ livekit: noLiveKit, repos, logger, now });
    const recovery = new Recovery(
      {
        executor,
        logger,
        repos,
        now,
        inflight,
        announce: async (channel, msg) => void announced.push({ channel, text: msg.text }),
      },
      1,
    );
    await recovery.recover();
    recovery.stop();
    expect(announced).toEqual([
      { channel: 'CREPORT01', text: expect.stringContaining(`(journal \`${id}\`) cannot be read`) },
    ]);
    expect(tracked).toEqual([]);
  });

  it('the unreadable note cannot be broken out of by a stored binding name', () => {
    const rep: Extract<RecoveryReport, { outcome: 'unreadable' }> = {
      outcome: 'unreadable',
      error: new UnreadableJournalEntryError('CH_1', 'x`<!channel>`', 'bad'),
    };
    expect(unreadableText(rep)).not.toMatch(/<!channel>/);
  });
});
