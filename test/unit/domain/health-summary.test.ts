import type { Binding } from '../../../src/domain/binding';
import type {
  BindingReport,
  BindingStats,
  CheckStatus,
  Finding,
  HealthReport,
  RouteLine,
} from '../../../src/domain/health-checks';
import { runChecks } from '../../../src/domain/health-checks';
import {
  DETAIL_CHUNK_MAX,
  detailSections,
  diffRuns,
  escapedLength,
  globalDetail,
  packChunks,
  statusMap,
  summaryLines,
  topFinding,
  transitionAlerts,
} from '../../../src/domain/health-summary';
import { storedBinding } from '../../support/binding-builder';

// ------------------------------------------------------------------------------- builders

const EMPTY_STATS: BindingStats = {
  inboundCalls: 0,
  agentJoined: 0,
  agentJoinRate: null,
  testCalls: 0,
  answered: 0,
  medianSetupMs: null,
  failuresBySipCode: {},
};

function f(check: string, status: CheckStatus, title = `${check} title`, evidence = `${check} evidence`): Finding {
  return status === 'pass'
    ? { check, status, title, evidence }
    : { check, status, title, evidence, nextStep: `fix ${check}` };
}

function report(
  name: string,
  findings: Finding[],
  routes: RouteLine[] = [],
  stats: BindingStats = EMPTY_STATS,
): BindingReport {
  const rank = { pass: 0, warn: 1, fail: 2 } as const;
  const status = findings.reduce<CheckStatus>((w, x) => (rank[x.status] > rank[w] ? x.status : w), 'pass');
  return { name, status, findings, routes, stats };
}

function health(bindings: BindingReport[], global: Finding[] = [f('livekit.api', 'pass')]): HealthReport {
  return { global, bindings };
}

const NO_DIFF = { newFailures: [], recoveries: [], added: [], removed: [] };

// ---------------------------------------------------------------------------------- tests

describe('diffRuns', () => {
  it('finds new failures, recoveries, added and removed bindings', () => {
    const prev = { a: 'pass', b: 'fail', c: 'warn', d: 'fail', gone: 'pass' } as const;
    const next = { a: 'fail', b: 'warn', c: 'fail', d: 'fail', fresh: 'fail', ok: 'pass' } as const;
    expect(diffRuns({ ...prev, ok: 'pass' }, next)).toEqual({
      newFailures: ['a', 'c', 'fresh'],
      recoveries: ['b'],
      added: ['fresh'],
      removed: ['gone'],
    });
  });

  it('a fail → pass recovery; nothing changes when all is stable', () => {
    expect(diffRuns({ a: 'fail' }, { a: 'pass' }).recoveries).toEqual(['a']);
    expect(diffRuns({ a: 'pass', b: 'fail' }, { a: 'pass', b: 'fail' })).toEqual(NO_DIFF);
  });

  it('the first run has no baseline: nothing is new', () => {
    expect(diffRuns(undefined, { a: 'fail', b: 'pass' })).toEqual(NO_DIFF);
  });
});

describe('transitionAlerts', () => {
  it('alerts on pass↔fail and warn↔fail, not on pass↔warn', () => {
    const prev = { a: 'pass', b: 'fail', c: 'warn', d: 'pass', e: 'fail', f: 'warn' } as const;
    const next = { a: 'fail', b: 'pass', c: 'fail', d: 'warn', e: 'fail', f: 'pass' } as const;
    expect(transitionAlerts(prev, next)).toEqual([
      { binding: 'a', from: 'pass', to: 'fail' },
      { binding: 'b', from: 'fail', to: 'pass' },
      { binding: 'c', from: 'warn', to: 'fail' },
    ]);
  });

  it('fail → warn is a recovery alert', () => {
    expect(transitionAlerts({ a: 'fail' }, { a: 'warn' })).toEqual([{ binding: 'a', from: 'fail', to: 'warn' }]);
  });

  it('no alerts on the first run or for bindings absent before', () => {
    expect(transitionAlerts(undefined, { a: 'fail' })).toEqual([]);
    expect(transitionAlerts({}, { a: 'fail' })).toEqual([]);
  });
});

describe('summaryLines', () => {
  const r = health([
    report('acme', [
      f('inbound-trunk.exists', 'pass'),
      f('drift', 'warn', 'LiveKit differs from the binding (numbers)'),
    ]),
    report('beta', [
      f('options.est', 'warn', 'EST not probed'),
      f('route.explain', 'fail', '1 of 2 DID(s) would not reach this binding'),
      f('e164', 'fail', 'Numbers not in E.164'),
    ]),
    report('gamma', [f('drift', 'pass')]),
  ]);

  it('headline counts statuses; one line per binding with the first fail (else warn) title', () => {
    const s = summaryLines(r, NO_DIFF);
    expect(s.headline).toBe('3 bindings: 1 pass, 1 warn, 1 fail');
    expect(s.global).toEqual([]);
    expect(s.lines).toEqual([
      '⚠️ acme — LiveKit differs from the binding (numbers)',
      '❌ beta — 1 of 2 DID(s) would not reach this binding (+2 more)',
      '✅ gamma',
    ]);
  });

  it('calls out new failures, recoveries, added and removed bindings', () => {
    const s = summaryLines(r, { newFailures: ['beta'], recoveries: ['gamma'], added: [], removed: ['old'] });
    expect(s.headline).toBe('3 bindings: 1 pass, 1 warn, 1 fail; new failure: beta; recovery: gamma; removed: old');
    expect(s.lines[1]).toBe('❌ beta (new) — 1 of 2 DID(s) would not reach this binding (+2 more)');
    expect(s.lines[2]).toBe('✅ gamma (recovered)');
  });

  it('lists global problems and handles no bindings', () => {
    const s = summaryLines(
      health(
        [],
        [
          f('livekit.api', 'fail', 'LiveKit API check failed: LiveKit is unreachable'),
          f('livekit.api-secret', 'warn', 'LiveKit API secret is too short'),
        ],
      ),
      NO_DIFF,
    );
    expect(s.headline).toBe('No bindings configured');
    expect(s.global).toEqual([
      '❌ LiveKit API check failed: LiveKit is unreachable',
      '⚠️ LiveKit API secret is too short',
    ]);
    expect(summaryLines(health([report('one', [])]), NO_DIFF).headline).toBe('1 binding: 1 pass');
  });

  it('topFinding prefers fail over an earlier warn', () => {
    expect(topFinding([f('a', 'warn'), f('b', 'fail')])!.check).toBe('b');
    expect(topFinding([f('a', 'pass')])).toBeUndefined();
  });

  it('statusMap maps binding names to statuses', () => {
    expect(statusMap(r)).toEqual({ acme: 'warn', beta: 'fail', gamma: 'pass' });
  });
});

describe('detailSections', () => {
  it('shows problems with evidence and next step, passes by title, routes and stats', () => {
    const b = report(
      'acme',
      [
        f('inbound-trunk.exists', 'pass', 'Inbound trunk exists'),
        f('dns.trunk-domain', 'fail', 'EST trunk domain does not resolve', 'DNS lookup failed (ENOTFOUND)'),
      ],
      [{ did: '+14155550100', ok: true, text: '+14155550100 → room est-inbound-_<caller>_<random>, agent my-agent' }],
      {
        ...EMPTY_STATS,
        inboundCalls: 4,
        agentJoined: 3,
        agentJoinRate: 0.75,
        testCalls: 2,
        answered: 1,
        medianSetupMs: 900,
        failuresBySipCode: { '403': 1 },
      },
    );
    const [section] = detailSections(health([b]));
    expect(section!.binding).toBe('acme');
    expect(section!.status).toBe('fail');
    expect(section!.chunks).toEqual([
      [
        '❌ acme: fail',
        '❌ EST trunk domain does not resolve',
        '   DNS lookup failed (ENOTFOUND)',
        '   Next: fix dns.trunk-domain',
        'Passed: Inbound trunk exists.',
        'Routes (where a call to each DID goes):',
        '✅ +14155550100 → room est-inbound-_<caller>_<random>, agent my-agent',
        'Last 24 h: inbound calls: 4; agent joined: 3/4 (75%); test calls: 2 (1 answered); median setup: 900 ms; failures: SIP 403 ×1.',
      ].join('\n'),
    ]);
  });

  it('keeps every chunk within the Slack section limit for a binding with 50 DIDs, even after escaping', () => {
    const dids = Array.from({ length: 50 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    const routes = dids.map((did, i) => ({
      did,
      ok: i % 2 === 0,
      text:
        i % 2 === 0
          ? `${did} → room est-inbound-_<caller>_<random>, agent my-agent`
          : `${did} → dropped at the trunk stage: No inbound trunk lists ${did} or accepts it as a wildcard: LiveKit rejects the call (404, trunk not found).`,
    }));
    const bad = routes.filter((x) => !x.ok);
    const findings = [
      f(
        'inbound-trunk.numbers',
        'fail',
        'Inbound trunk ST_x is missing 25 DID(s)',
        `Missing on ST_x: ${bad.map((x) => x.did).join(', ')}. It lists: ${dids.join(', ')}.`,
      ),
      f(
        'route.explain',
        'fail',
        '25 of 50 DID(s) would not reach this binding',
        `Caller +15550100000 calling:\n${bad.map((x) => x.text).join('\n')}`,
      ),
      f('drift', 'warn', 'LiveKit differs', 'x'.repeat(7000)), // one line longer than a chunk
      ...Array.from({ length: 20 }, (_, i) => f(`check.${i}`, 'pass', `Check ${i} & <ok>`)),
    ];
    const [section] = detailSections(health([report('big', findings, routes)]));
    const chunks = section!.chunks;
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(DETAIL_CHUNK_MAX);
      expect(escapedLength(c)).toBeLessThanOrEqual(DETAIL_CHUNK_MAX);
      expect(c.length).toBeGreaterThan(0);
    }
    // Nothing is lost: every route line and every x appears.
    const all = chunks.join('\n');
    for (const x of routes) expect(all).toContain(x.text);
    expect(all.split('x').length - 1).toBeGreaterThanOrEqual(7000);
    // Problems come first.
    expect(chunks[0]!.startsWith('❌ big: fail\n❌ Inbound trunk ST_x is missing 25 DID(s)')).toBe(true);
  });

  it('a real report for a binding with 50 DIDs (half not on the trunk) fits in chunks', () => {
    const dids = Array.from({ length: 50 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    const b: Binding = storedBinding(
      {
        name: 'big',
        trunkDomain: 'big.pstn.sinch.com',
        dids,
        callerId: '+14155559999',
        auth: { kind: 'acl' },
        transport: 'udp',
        livekitSipHost: 'sip.example.com',
        dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
        agentName: 'my-agent',
        reportChannel: 'C1',
      },
      { resources: { inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_r', outboundTrunkId: 'ST_out' } },
    );
    const r = runChecks({
      livekit: {
        ok: true,
        snapshot: {
          inboundTrunks: [
            {
              id: 'ST_in',
              name: 'big-inbound',
              metadata: '',
              numbers: dids.slice(0, 25),
              allowedAddresses: [],
              allowedNumbers: [],
              hasAuth: false,
              mediaEncryption: 'disable',
            },
          ],
          dispatchRules: [
            {
              id: 'SDR_r',
              name: 'big-dispatch',
              metadata: '',
              rule: { kind: 'individual', roomPrefix: 'est-inbound-', pin: '', noRandomness: false },
              trunkIds: ['ST_in'],
              inboundNumbers: [],
              numbers: [],
              hidePhoneNumber: false,
              agents: ['my-agent'],
              attributes: {},
            },
          ],
          outboundTrunks: [],
        },
      },
      apiSecretLength: 40,
      bindings: [b],
      dns: {},
      options: {},
      calls: [],
      now: new Date('2025-05-01T12:00:00Z'),
    });
    expect(r.bindings[0]!.routes.filter((x) => !x.ok)).toHaveLength(25);
    const [section] = detailSections(r);
    expect(section!.chunks.length).toBeGreaterThan(1);
    for (const c of section!.chunks) expect(escapedLength(c)).toBeLessThanOrEqual(DETAIL_CHUNK_MAX);
    const all = section!.chunks.join('\n');
    for (const x of r.bindings[0]!.routes) expect(all).toContain(x.text);
  });

  it('packChunks keeps whole blocks together when they fit', () => {
    expect(packChunks(['aaaa', 'bbbb', 'cccc'], 9, (s) => s.length)).toEqual(['aaaa\nbbbb', 'cccc']);
    expect(packChunks(['ab\ncd\nef'], 5, (s) => s.length)).toEqual(['ab\ncd', 'ef']);
    expect(packChunks(['abcdefg'], 3, (s) => s.length)).toEqual(['abc', 'def', 'g']);
  });

  it('escapedLength counts Slack entities', () => {
    expect(escapedLength('a<b>&c')).toBe(6 + 3 + 3 + 4);
  });

  it('globalDetail renders the global findings', () => {
    expect(globalDetail(health([], [f('livekit.api', 'fail', 'LiveKit down', 'ECONNREFUSED')]))).toEqual([
      '❌ LiveKit down\n   ECONNREFUSED\n   Next: fix livekit.api',
    ]);
  });
});
