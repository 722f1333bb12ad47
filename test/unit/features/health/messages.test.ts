import type {
  BindingReport,
  BindingStats,
  CheckStatus,
  Finding,
  HealthReport,
} from '../../../../src/domain/health-checks';
import type { RunDiff } from '../../../../src/domain/health-summary';
import {
  alertDigest,
  alertMessage,
  bindingCheckMessage,
  formatTime,
  homeView,
  MESSAGE_TEXT_BUDGET,
  RUN_AGAIN_ACTION,
  summaryMessage,
  threadReplies,
  type HomeRow,
  type SummaryInput,
} from '../../../../src/features/health/messages';
import { CHECK_BINDING_ACTION } from '../../../../src/slack/action-ids';
import type { KnownBlock } from '../../../../src/slack/block-kit';

const STATS: BindingStats = {
  inboundCalls: 0,
  agentJoined: 0,
  agentJoinRate: null,
  testCalls: 0,
  answered: 0,
  medianSetupMs: null,
  failuresBySipCode: {},
};
const NO_DIFF: RunDiff = { newFailures: [], recoveries: [], added: [], removed: [] };
const AT = new Date('2024-05-02T09:00:00Z');

function f(check: string, status: CheckStatus, title = `${check} title`, evidence = `${check} evidence`): Finding {
  return status === 'pass'
    ? { check, status, title, evidence }
    : { check, status, title, evidence, nextStep: `fix ${check}` };
}

function b(name: string, status: CheckStatus, extra: Finding[] = []): BindingReport {
  const findings = [
    f('inbound-trunk.exists', 'pass'),
    ...(status === 'pass' ? [] : [f('dispatch-rule.exists', status, `Dispatch rule SDR_${name} not found in LiveKit`)]),
    ...extra,
  ];
  return {
    name,
    status,
    findings,
    routes: [{ did: '+14155550100', ok: status === 'pass', text: '+14155550100 → room est-inbound-<caller>' }],
    stats: STATS,
  };
}

function report(bindings: BindingReport[], global: Finding[] = [f('livekit.api', 'pass')]): HealthReport {
  return { global, bindings };
}

function input(r: HealthReport, over: Partial<SummaryInput> = {}): SummaryInput {
  return {
    report: r,
    diff: NO_DIFF,
    firstRun: false,
    trigger: 'schedule',
    startedAt: AT,
    wallMs: 1234,
    details: 'thread',
    runId: 'run-1',
    ...over,
  };
}

function texts(blocks: KnownBlock[] = []): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(blocks);
  return out;
}

function expectWithinLimits(blocks: KnownBlock[] = [], maxBlocks = 50): void {
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  const t = texts(blocks);
  for (const s of t) expect(s.length).toBeLessThanOrEqual(3000);
  expect(t.reduce((n, s) => n + s.length, 0)).toBeLessThanOrEqual(MESSAGE_TEXT_BUDGET);
}

function buttons(blocks: KnownBlock[] = []): Array<{ action_id: string; value: string }> {
  return blocks.flatMap((x) =>
    x.type === 'actions' ? (x.elements as Array<{ action_id: string; value: string }>) : [],
  );
}

describe('summaryMessage', () => {
  it('headline, a line per binding with fails and warns first, changes and the Run again button', () => {
    const r = report([b('alpha', 'pass'), b('bravo', 'fail'), b('charlie', 'warn')]);
    const msg = summaryMessage(
      input(r, { diff: { newFailures: ['bravo'], recoveries: ['delta'], added: [], removed: [] } }),
    );
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('3 bindings: 1 pass, 1 warn, 1 fail');
    expect(all.indexOf('bravo')).toBeLessThan(all.indexOf('charlie'));
    expect(all.indexOf('charlie')).toBeLessThan(all.indexOf('✅ alpha'));
    expect(all).toContain('❌ bravo (new) — Dispatch rule SDR_bravo not found in LiveKit');
    expect(all).toContain('*Since the last run:*');
    expect(all).toContain('new failure: bravo');
    expect(all).toContain('recovered: delta');
    expect(all).toContain(
      'Scheduled check · <!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC> · took 1.2 s',
    );
    expect(all).toContain('details of the 2 with problems in the thread');
    expect(buttons(msg.blocks)).toEqual([
      expect.objectContaining({ action_id: RUN_AGAIN_ACTION, value: '{"r":"run-1"}' }),
    ]);
    expect(msg.text).toBe('SIP health: 3 bindings: 1 pass, 1 warn, 1 fail');
  });

  it('says when nothing changed, and nothing about changes on the first run', () => {
    const r = report([b('alpha', 'pass')]);
    expect(texts(summaryMessage(input(r)).blocks).join('\n')).toContain('No change since the last run.');
    expect(texts(summaryMessage(input(r, { firstRun: true })).blocks).join('\n')).not.toContain('since the last run');
  });

  it('shows global problems (LiveKit unreachable) above the bindings', () => {
    const r = report([b('alpha', 'fail')], [f('livekit.api', 'fail', 'LiveKit API check failed: connection refused')]);
    const all = texts(summaryMessage(input(r)).blocks).join('\n');
    expect(all).toContain('❌ LiveKit API check failed: connection refused');
  });

  it('escapes engine text', () => {
    const r = report([
      { ...b('alpha', 'pass'), status: 'fail', findings: [f('x', 'fail', 'Trunk "<!channel> & *bold*"')] },
    ]);
    const all = texts(summaryMessage(input(r)).blocks).join('\n');
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('Trunk "&lt;!channel&gt; &amp; *bold*"');
  });

  it('1000 bindings stay within Block Kit limits: all problems first, then "and N more passing"', () => {
    const bindings = Array.from({ length: 1000 }, (_, i) =>
      b(`binding-${String(i).padStart(4, '0')}`, i % 100 === 7 ? 'fail' : i % 50 === 3 ? 'warn' : 'pass'),
    );
    const msg = summaryMessage(input(report(bindings)));
    expectWithinLimits(msg.blocks);
    const all = texts(msg.blocks).join('\n');
    for (const x of bindings.filter((y) => y.status !== 'pass')) expect(all).toContain(x.name);
    expect(all).toMatch(/…and \d+ more passing\./);
    const shownPass = (all.match(/✅ binding-/g) ?? []).length;
    expect(all).toContain(`…and ${1000 - 30 - shownPass} more passing.`);
    expect(buttons(msg.blocks).map((x) => x.action_id)).toEqual([RUN_AGAIN_ACTION]);
  });

  it('when even the problems do not fit, counts what is left by status', () => {
    const bindings = Array.from({ length: 400 }, (_, i) =>
      b(`failing-binding-number-${i}`, 'fail', [f('y', 'fail', 'x'.repeat(200))]),
    );
    const msg = summaryMessage(input(report(bindings)));
    expectWithinLimits(msg.blocks);
    expect(texts(msg.blocks).join('\n')).toMatch(/…and \d+ more \(\d+ fail\)/);
  });

  it('command variant: no thread hint, points at /sip-setup check', () => {
    const msg = summaryMessage(
      input(report([b('alpha', 'fail')]), { details: 'command', requestedBy: 'UADMIN01', trigger: 'manual' }),
    );
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('Manual check');
    expect(all).toContain('by <@UADMIN01>');
    expect(all).toContain('/sip-setup check <name>');
  });
});

describe('threadReplies', () => {
  it('one reply per binding with problems (fails first), none for passing ones', () => {
    const replies = threadReplies(report([b('alpha', 'pass'), b('bravo', 'warn'), b('charlie', 'fail')]));
    expect(replies.map((r) => r.text)).toEqual(['❌ charlie: fail', '⚠️ bravo: warn']);
    const body = texts(replies[0]!.blocks).join('\n');
    expect(body).toContain('*❌ charlie: fail*');
    expect(body).toContain('Next: fix dispatch-rule.exists');
    expect(body).toContain('Routes (where a call to each DID goes):');
    for (const r of replies) expectWithinLimits(r.blocks);
  });

  it('global problems first; capped at 40 bindings with a note naming the rest', () => {
    const bindings = Array.from({ length: 45 }, (_, i) => b(`b${i}`, 'fail'));
    const replies = threadReplies(report(bindings, [f('livekit.api', 'fail', 'LiveKit down')]));
    expect(replies[0]!.text).toBe('LiveKit API checks');
    expect(replies).toHaveLength(1 + 40 + 1);
    expect(texts(replies[41]!.blocks).join('')).toContain(
      '5 more bindings have problems, not detailed here: b40, b41, b42, b43, b44',
    );
  });

  it('a huge binding is split over several replies, each within limits', () => {
    const long = f(
      'route.explain',
      'fail',
      'DIDs do not route',
      Array.from(
        { length: 400 },
        (_, i) => `+1415555${String(i).padStart(4, '0')} → dropped at the trunk stage: no trunk lists it`,
      ).join('\n'),
    );
    const replies = threadReplies(report([b('big', 'fail', [long])]));
    expect(replies.length).toBeGreaterThan(1);
    expect(replies[1]!.text).toBe('❌ big: fail (continued)');
    for (const r of replies) expectWithinLimits(r.blocks);
  });
});

describe('alerts', () => {
  it('a failure names the top finding, the next step and offers Check again', () => {
    const msg = alertMessage({ binding: 'acme', from: 'pass', to: 'fail' }, b('acme', 'fail'), {
      trigger: 'schedule',
      at: AT,
      bindingId: 'id-acme',
    });
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('*SIP binding `acme` is failing* (it was pass)');
    expect(all).toContain('Dispatch rule SDR_acme not found');
    expect(all).toContain('*Next:* fix dispatch-rule.exists');
    expect(buttons(msg.blocks)).toEqual([
      expect.objectContaining({ action_id: CHECK_BINDING_ACTION, value: '{"b":"acme","bi":"id-acme"}' }),
    ]);
  });

  it('a recovery', () => {
    const msg = alertMessage({ binding: 'acme', from: 'fail', to: 'pass' }, b('acme', 'pass'), {
      trigger: 'manual',
      at: AT,
    });
    expect(texts(msg.blocks).join('\n')).toContain('*SIP binding `acme` recovered*: now pass');
  });

  it('a digest for many at once', () => {
    const ts = Array.from({ length: 8 }, (_, i) => ({
      binding: `b${i}`,
      from: 'pass' as const,
      to: (i < 6 ? 'fail' : 'pass') as CheckStatus,
    }));
    const all = texts(alertDigest(ts, { trigger: 'schedule', at: AT }).blocks).join('\n');
    expect(all).toContain('6 SIP bindings are failing now:* b0, b1, b2, b3, b4, b5');
    expect(all).toContain('2 recovered:* b6, b7');
  });
});

describe('bindingCheckMessage', () => {
  it('the findings of one binding and a Check again button', () => {
    const msg = bindingCheckMessage(report([b('alpha', 'pass'), b('bravo', 'fail')]), 'bravo', {
      at: AT,
      wallMs: 250,
      bindingId: 'id-bravo',
    });
    const all = texts(msg.blocks).join('\n');
    expect(all).toContain('*❌ bravo: fail*');
    expect(all).not.toContain('alpha');
    expect(all).toContain('Checked <!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC> · took 250 ms');
    expect(buttons(msg.blocks)).toEqual([
      expect.objectContaining({ action_id: CHECK_BINDING_ACTION, value: '{"b":"bravo","bi":"id-bravo"}' }),
    ]);
  });

  it('cut to one message for a huge binding', () => {
    const long = f('route.explain', 'fail', 'DIDs do not route', 'x\n'.repeat(20_000));
    const msg = bindingCheckMessage(report([b('big', 'fail', [long])]), 'big', { at: AT, wallMs: 1 });
    expectWithinLimits(msg.blocks);
    expect(texts(msg.blocks).join('\n')).toContain('Cut to fit one message');
  });
});

describe('homeView', () => {
  it('every binding with its last status and last test call', () => {
    const rows: HomeRow[] = [
      {
        name: 'alpha',
        id: 'id-alpha',
        status: 'pass',
        checkedAt: AT.toISOString(),
        lastTest: { startedAt: AT.toISOString(), outcome: 'answered', callee: '+14155550100', sipStatus: 200 },
      },
      {
        name: 'bravo',
        id: 'id-bravo',
        status: 'fail',
        checkedAt: AT.toISOString(),
        top: 'Dispatch rule SDR_x not found',
      },
      { name: 'charlie', id: 'id-charlie' },
    ];
    const v = homeView({
      rows,
      lastRun: { trigger: 'schedule', startedAt: AT.toISOString(), headline: '3 bindings: 1 pass, 1 fail' },
    });
    const all = texts(v.blocks).join('\n');
    expect(v.type).toBe('home');
    expect(all).toContain(
      '*Last check:* <!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC> (scheduled check) · 3 bindings: 1 pass, 1 fail',
    );
    expect(all).toContain('✅ *alpha* · pass at <!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC>');
    expect(all).toContain(
      'last test call <!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC> to `+14155550100`: ✅ answered, SIP 200',
    );
    expect(all).toContain('❌ *bravo*');
    expect(all).toContain('Dispatch rule SDR_x not found');
    expect(all).toContain('▫️ *charlie* · not checked yet');
    expect(all).toContain('no test call yet');
  });

  it('stays within 100 blocks with thousands of bindings', () => {
    const rows: HomeRow[] = Array.from({ length: 5000 }, (_, i) => ({
      name: `binding-${i}`,
      id: `id-${i}`,
      status: 'fail',
      checkedAt: AT.toISOString(),
      top: 'y'.repeat(150),
    }));
    const v = homeView({ rows });
    expect(v.blocks.length).toBeLessThanOrEqual(100);
    for (const s of texts(v.blocks)) expect(s.length).toBeLessThanOrEqual(3000);
    expect(texts(v.blocks).join('\n')).toMatch(/…and \d+ more bindings/);
  });

  it('actions: Run all checks for everyone, New binding for admins; each binding a menu naming it by identity', () => {
    const rows: HomeRow[] = [{ name: 'alpha', id: 'id-alpha', status: 'pass' }];
    const ids = (v: ReturnType<typeof homeView>) => buttons(v.blocks).map((b) => b.action_id);
    expect(ids(homeView({ rows, isAdmin: true }))).toEqual([RUN_AGAIN_ACTION, 'sip_setup_new_binding']);
    expect(ids(homeView({ rows }))).toEqual([RUN_AGAIN_ACTION]);
    const menu = homeView({ rows }).blocks.find((b) => b.type === 'section' && 'accessory' in b && b.accessory) as {
      accessory: { action_id: string; options: Array<{ text: { text: string }; value: string }> };
    };
    expect(menu.accessory.action_id).toBe('home_binding_menu');
    expect(menu.accessory.options.slice(0, 2).map((o) => [o.text.text, JSON.parse(o.value)])).toEqual([
      ['Check now', { a: 'check', b: 'alpha', bi: 'id-alpha' }],
      ['Test call', { a: 'test', b: 'alpha', bi: 'id-alpha' }],
    ]);
    // The third option is the trends feature's: routed by its value prefix, not JSON.
    expect(menu.accessory.options[2]).toEqual({
      text: { type: 'plain_text', text: '30-day chart' },
      value: 'chart:id-alpha',
    });
    expect(texts(homeView({ rows, notice: '⚠️ gone' }).blocks)).toContain('⚠️ gone');
  });

  it('no bindings, no run yet', () => {
    const all = texts(homeView({ rows: [] }).blocks).join('\n');
    expect(all).toContain('none yet');
    expect(all).toContain('No bindings yet');
  });
});

describe('formatTime', () => {
  it("in each reader's own time zone (Slack's date token), the fallback in UTC whatever the summary zone", () => {
    expect(formatTime(AT)).toBe('<!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC>');
    expect(formatTime(AT, 'Europe/Berlin')).toBe('<!date^1714640400^{date_short_pretty} {time}|2024-05-02 09:00 UTC>');
  });
});
