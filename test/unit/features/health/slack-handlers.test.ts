import type { WebClient } from '@slack/web-api';
import pino from 'pino';
import type { HealthRun } from '../../../../src/features/health/runner';
import {
  checkBindingButton,
  checkCommand,
  runAgainButton,
  type ButtonArgs,
  type HandlerDeps,
} from '../../../../src/features/health/slack-handlers';
import { InflightWork } from '../../../../src/inflight';
import type { SubcommandContext } from '../../../../src/slack/subcommand-router';
import { createRepos, openStore, type Store } from '../../../../src/store';
import type { RunTrigger } from '../../../../src/store/health-runs-repo';
import { HealthStatusStore } from '../../../../src/store/health-status-store';
import { bindingReport, healthReport } from '../../../support/builders';
import { bindingSpec } from '../../../support/fixtures';
import { renderBlocks } from '../../../support/slack-render';
import { healthRunOf, SUMMARY_CHANNEL, unitConfig } from './support';

type Said = Record<string, unknown>;

/** What a handler said back: the ack, response_url posts and published views. */
function recorder() {
  const acks: Array<Said | undefined> = [];
  const responses: Said[] = [];
  const views: string[] = [];
  return {
    acks,
    responses,
    views,
    ack: async (m?: Said) => {
      acks.push(m);
    },
    respond: async (m: Said) => {
      responses.push(m);
    },
    client: { views: { publish: async (a: { user_id: string }) => views.push(a.user_id) } } as unknown as WebClient,
  };
}

function commandArgs(r: ReturnType<typeof recorder>, argv: string[]): SubcommandContext {
  return {
    args: { command: { user_id: 'UADMIN01', text: ['check', ...argv].join(' ') }, ack: r.ack, respond: r.respond },
    argv,
    rest: argv.join(' '),
  } as unknown as SubcommandContext;
}

let presses = 0;
/** A press; `ts` names the press (a replay repeats it). */
function buttonArgs(
  r: ReturnType<typeof recorder>,
  value: string,
  container: 'message' | 'view',
  ts = `${++presses}.0`,
): ButtonArgs {
  return {
    ack: r.ack,
    respond: r.respond,
    client: r.client,
    action: { type: 'button', action_id: 'x', value, action_ts: ts },
    body: { user: { id: 'UADMIN01' }, container: { type: container }, channel: { id: 'CCLICKED1' } },
  } as unknown as ButtonArgs;
}

describe('health Slack handlers', () => {
  let store: Store;
  let h: HandlerDeps;
  let runs: Array<RunTrigger | string>;
  let delivered: Array<{ id: string; channel?: string; requestedBy?: string }>;
  let fail: Error | undefined;

  beforeEach(async () => {
    store = await openStore(':memory:');
    const repos = createRepos(store);
    await repos.bindings.insert(bindingSpec({ name: 'bravo' }), {}, 'U1');
    runs = [];
    delivered = [];
    fail = undefined;
    const config = unitConfig();
    const run = (over: Partial<HealthRun>): HealthRun =>
      healthRunOf(healthReport([bindingReport('bravo', 'fail')]), over);
    h = {
      deps: { repos, config, inflight: new InflightWork(), now: () => new Date() },
      logger: pino({ level: 'silent' }),
      runner: {
        runAll: async (trigger) => {
          runs.push(trigger);
          if (fail) throw fail;
          return run({ trigger });
        },
        checkBinding: async (name) => {
          runs.push(`check:${name}`);
          if (fail) throw fail;
          return run({ scope: [name], trigger: 'manual' });
        },
      },
      delivery: {
        deliverSummary: async (r, o = {}) => {
          delivered.push({ id: r.id, ...o });
        },
        alertsOf: async () => undefined,
      },
      home: { deps: { repos, config }, statuses: new HealthStatusStore(repos.meta, pino({ level: 'silent' })) },
    };
  });
  afterEach(async () => {
    await h.deps.inflight.drain(1000);
    await store.close();
  });

  it('/sip-setup check <unknown>: refused in the ack, nothing runs', async () => {
    const r = recorder();
    await checkCommand(h)(commandArgs(r, ['Nosuch']));
    expect(r.acks).toEqual([
      { response_type: 'ephemeral', text: 'There is no binding named `nosuch`. `/sip-setup list` shows them.' },
    ]);
    await h.deps.inflight.drain(1000);
    expect(runs).toEqual([]);
  });

  it('/sip-setup check <name>: acked at once, the findings replace the ack', async () => {
    const r = recorder();
    await checkCommand(h)(commandArgs(r, ['BRAVO']));
    expect(r.acks).toEqual([{ response_type: 'ephemeral', text: '⏳ Running checks for `bravo`…' }]);
    await h.deps.inflight.drain(1000);
    expect(runs).toEqual(['check:bravo']);
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]).toMatchObject({
      response_type: 'ephemeral',
      replace_original: true,
      text: '❌ bravo: fail',
    });
  });

  it('/sip-setup check (all) answers with the summary; a failing run says so', async () => {
    const r = recorder();
    await checkCommand(h)(commandArgs(r, []));
    await h.deps.inflight.drain(1000);
    expect(runs).toEqual(['manual']);
    expect(r.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    // The summary points at the command for the details (there is no thread).
    expect(renderBlocks(r.responses[0]!.blocks)).toContain(
      'Manual check · 2024-05-03 09:00 UTC · took 12 ms · by @UADMIN01 · `/sip-setup check <name>` for the details of one',
    );
    fail = new Error('LiveKit <down>');
    const r2 = recorder();
    await checkCommand(h)(commandArgs(r2, []));
    await h.deps.inflight.drain(1000);
    expect(r2.responses).toEqual([
      { response_type: 'ephemeral', replace_original: true, text: '❌ The check could not run: LiveKit &lt;down&gt;' },
    ]);
  });

  it('the check button answers the clicker, or refreshes the Home tab when clicked there', async () => {
    const bravo = (await h.deps.repos.bindings.get('bravo'))!;
    const ref = JSON.stringify({ b: 'bravo', bi: bravo.id });
    const r = recorder();
    await checkBindingButton(h)(buttonArgs(r, ref, 'message'));
    await h.deps.inflight.drain(1000);
    expect(r.acks).toEqual([undefined]);
    expect(r.responses[0]).toMatchObject({ replace_original: false, text: '❌ bravo: fail' });
    const v = recorder();
    await checkBindingButton(h)(buttonArgs(v, ref, 'view'));
    await h.deps.inflight.drain(1000);
    expect(v.responses).toEqual([]);
    expect(v.views).toEqual(['UADMIN01']);
    expect(runs).toEqual(['check:bravo', 'check:bravo']);
  });

  it('the check button acts on the binding it was shown for only: deleted, re-created, older or replayed presses run nothing', async () => {
    const old = (await h.deps.repos.bindings.get('bravo'))!;
    const ref = JSON.stringify({ b: 'bravo', bi: old.id });
    const first = recorder();
    await checkBindingButton(h)(buttonArgs(first, ref, 'message', '77.1'));
    await h.deps.inflight.drain(1000);
    expect(runs).toEqual(['check:bravo']);
    // The same press again (a Slack retry or a replayed payload) does nothing.
    const replay = recorder();
    await checkBindingButton(h)(buttonArgs(replay, ref, 'message', '77.1'));
    await h.deps.inflight.drain(1000);
    expect(replay.responses).toEqual([]);
    expect(runs).toEqual(['check:bravo']);

    await h.deps.repos.bindings.delete('bravo');
    await h.deps.repos.bindings.insert(bindingSpec({ name: 'bravo' }), {}, 'U1');
    const reborn = recorder();
    await checkBindingButton(h)(buttonArgs(reborn, ref, 'message'));
    await h.deps.inflight.drain(1000);
    expect(reborn.responses).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: expect.stringMatching(
          /^⚠️ This button was for a binding `bravo` that was deleted on .*; open `\/sip-setup check bravo` again\. Nothing was changed\.$/,
        ),
      },
    ]);
    const older = recorder();
    await checkBindingButton(h)(buttonArgs(older, 'bravo', 'message'));
    await h.deps.inflight.drain(1000);
    expect(older.responses).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/older version of SIP Ops/) },
    ]);
    expect(runs).toEqual(['check:bravo']);
  });

  it('Run again: a full run whose summary goes to the summary channel, requested by the clicker', async () => {
    await h.deps.repos.healthRuns.start('run-0', 'schedule', new Date('2024-05-03T09:00:00Z'));
    const r = recorder();
    await runAgainButton(h)(buttonArgs(r, '{"r":"run-0"}', 'message', '88.1'));
    await h.deps.inflight.drain(1000);
    expect(r.responses).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: '⏳ Running every check again. The new summary is posted in this channel when it is done.',
      },
    ]);
    expect(runs).toEqual(['manual']);
    expect(delivered).toEqual([{ id: 'run-1', channel: SUMMARY_CHANNEL, requestedBy: 'UADMIN01' }]);
    // A replay of that press, a run SIP Ops does not know and an older button run nothing.
    const replay = recorder();
    await runAgainButton(h)(buttonArgs(replay, '{"r":"run-0"}', 'message', '88.1'));
    const unknown = recorder();
    await runAgainButton(h)(buttonArgs(unknown, '{"r":"run-gone"}', 'message'));
    const older = recorder();
    await runAgainButton(h)(buttonArgs(older, 'all', 'message'));
    await h.deps.inflight.drain(1000);
    expect(replay.responses).toEqual([]);
    expect(unknown.responses).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: expect.stringMatching(/health run SIP Ops no longer knows/),
      },
    ]);
    expect(older.responses).toEqual([
      { response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/older version of SIP Ops/) },
    ]);
    expect(runs).toEqual(['manual']);
  });
});
