import type { DispatchRule, InboundTrunk, LiveKitSnapshot } from '../../../src/domain/livekit-model';
import { dispatchRulePriority, explainRoute, parseIp, roomPatternFor } from '../../../src/domain/route-match';
import { callee, direct, individual, rule, trunk } from '../../support/builders';

function snap(inboundTrunks: InboundTrunk[], dispatchRules: DispatchRule[]): LiveKitSnapshot {
  return { inboundTrunks, outboundTrunks: [], dispatchRules };
}

const DID = '+14155550100';
const CALLER = '+442079460958';
const call = { to: DID, from: CALLER, sourceIp: '203.0.113.7' };

function routed(e: ReturnType<typeof explainRoute>) {
  if (e.outcome !== 'routed') throw new Error(`expected routed, got ${JSON.stringify(e)}`);
  return e;
}

describe('explainRoute: trunk stage', () => {
  const acme = trunk('ST_acme', { name: 'acme', numbers: [DID] });
  const wild = trunk('ST_wild', { name: 'wild' });
  const anyRule = rule('SDR_any', individual('est-inbound-'), { name: 'any' });

  it('a trunk listing the called number wins over a wildcard trunk, with a full explanation', () => {
    const e = explainRoute(snap([wild, acme], [anyRule]), call);
    expect(e).toEqual({
      outcome: 'routed',
      trunk: acme,
      rule: anyRule,
      roomPattern: 'est-inbound-_+442079460958_<random>',
      roomKind: 'individual',
      agents: [],
      steps: [
        'Trunk "acme" (ST_acme) lists +14155550100, so it takes the call.',
        'No rule lists trunk "acme" (ST_acme); rule "any" (SDR_any) applies to all trunks.',
        'The call goes to room est-inbound-_+442079460958_<random> (individual dispatch).',
        'The rule names no agent: only workers using automatic dispatch (no agent name) get a job.',
      ],
    });
  });

  it('matches the called number after normalization', () => {
    const t = trunk('ST_fmt', { numbers: ['+1 (415) 555-0100'] });
    expect(routed(explainRoute(snap([t], [anyRule]), { to: '14155550100', from: CALLER })).trunk?.id).toBe('ST_fmt');
  });

  it('falls back to a single wildcard trunk', () => {
    const e = routed(explainRoute(snap([wild, trunk('ST_other', { numbers: ['+15550100'] })], [anyRule]), call));
    expect(e.trunk).toBe(wild);
    expect(e.steps[0]).toBe(
      'No trunk lists +14155550100; wildcard trunk "wild" (ST_wild) (no numbers) takes the call.',
    );
  });

  it('two trunks listing the number: dropped, LiveKit answers 503', () => {
    const acme2 = trunk('ST_acme2', { name: 'acme2', numbers: ['14155550100'] });
    expect(explainRoute(snap([acme, acme2], [anyRule]), call)).toEqual({
      outcome: 'dropped',
      stage: 'trunk',
      reason: 'Multiple SIP Trunks matched for "+14155550100"',
      steps: [
        'Trunk "acme" (ST_acme) and trunk "acme2" (ST_acme2) both list +14155550100: LiveKit answers 503 and the call fails.',
      ],
    });
  });

  it('two wildcard trunks and no specific one: dropped', () => {
    const e = explainRoute(snap([wild, trunk('ST_wild2', { name: 'wild2' })], [anyRule]), call);
    expect(e).toMatchObject({
      outcome: 'dropped',
      stage: 'trunk',
      reason: 'Multiple default SIP Trunks matched for "+14155550100"',
    });
  });

  it('a specific trunk wins even when several wildcard trunks exist', () => {
    const e = routed(explainRoute(snap([wild, trunk('ST_wild2'), acme], [anyRule]), call));
    expect(e.trunk).toBe(acme);
  });

  // livekit/livekit pkg/service/ioservice_sip.go + protocol sip/sip.go: no trunk is not an error.
  it('no trunk for the number: a rule for all trunks still takes the call, with no trunk checks', () => {
    const e = routed(
      explainRoute(snap([trunk('ST_other', { name: 'other', numbers: ['+15550100'] })], [anyRule]), call),
    );
    expect(e.trunk).toBeUndefined();
    expect(e.rule).toBe(anyRule);
    expect(e.steps.slice(0, 2)).toEqual([
      'No inbound trunk lists +14155550100 or accepts it as a wildcard: LiveKit goes on without a trunk, so only dispatch rules for all trunks (no trunk IDs) can take the call, with no trunk address or auth check.',
      'Rule "any" (SDR_any) applies to all trunks, so it takes the call although no trunk lists +14155550100: nothing checked where the call came from.',
    ]);
  });

  it("no trunk and no rule for all trunks: dropped without a SIP answer, in LiveKit's wording", () => {
    const own = rule('SDR_o', direct('o'), { trunkIds: ['ST_other'] });
    expect(explainRoute(snap([trunk('ST_other', { numbers: ['+15550100'] })], [own]), call)).toEqual({
      outcome: 'dropped',
      stage: 'trunk',
      reason: 'No SIP Dispatch Rules defined',
      steps: [
        'No inbound trunk lists +14155550100 or accepts it as a wildcard: LiveKit goes on without a trunk, so only dispatch rules for all trunks (no trunk IDs) can take the call, with no trunk address or auth check.',
        'No dispatch rule for all trunks accepts this call: LiveKit drops the call without any SIP answer (Sinch sees no response); LiveKit logs "No SIP Dispatch Rules defined" even though rules exist.',
      ],
    });
  });

  it('no trunks at all: rules for all trunks still apply', () => {
    const e = routed(explainRoute(snap([], [anyRule]), call));
    expect(e.trunk).toBeUndefined();
    expect(e.steps[0]).toMatch(/^There are no LiveKit inbound trunks: LiveKit goes on without a trunk/);
  });

  it('a trunk with a username and password: LiveKit challenges with 407', () => {
    const authed = trunk('ST_auth', { name: 'auth', hasAuth: true });
    expect(routed(explainRoute(snap([authed], [anyRule]), call)).steps[1]).toBe(
      'Trunk "auth" (ST_auth) has a username and password: LiveKit answers the INVITE with 407 and Sinch must resend it with digest credentials (an EST trunk on IP ACL auth sends none, and the call fails).',
    );
  });

  it('allowedNumbers filters on the CALLER (normalized)', () => {
    const ruleForOnly = rule('SDR_only', direct('only'), { trunkIds: ['ST_only'] });
    const only = trunk('ST_only', { name: 'only', numbers: [DID], allowedNumbers: ['+1 212 555 0000'] });
    const e = explainRoute(snap([only], [ruleForOnly]), call);
    expect(e).toMatchObject({ outcome: 'dropped', stage: 'trunk' });
    expect(e.steps[0]).toBe(
      'Trunk "only" (ST_only) lists +14155550100 but is skipped: caller +442079460958 is not in its allowed numbers.',
    );
    expect(routed(explainRoute(snap([only], [ruleForOnly]), { ...call, from: '+12125550000' })).trunk).toBe(only);
    // the allowed list names callers, not the called number
    const calledListed = trunk('ST_x', { numbers: [DID], allowedNumbers: [DID] });
    expect(explainRoute(snap([calledListed], [rule('SDR_x', direct('x'), { trunkIds: ['ST_x'] })]), call).outcome).toBe(
      'dropped',
    );
    // a rule for all trunks still takes the call the trunk refused
    expect(routed(explainRoute(snap([only], [anyRule]), call)).trunk).toBeUndefined();
  });

  it('allowedNumbers lets two trunks share a DID for different callers', () => {
    const forUk = trunk('ST_uk', { numbers: [DID], allowedNumbers: [CALLER] });
    const forUs = trunk('ST_us', { numbers: [DID], allowedNumbers: ['+12125550000'] });
    expect(routed(explainRoute(snap([forUs, forUk], [anyRule]), call)).trunk).toBe(forUk);
  });

  it.each([
    [['203.0.113.7'], '203.0.113.7', true],
    [['203.0.113.0/24'], '203.0.113.7', true],
    [['203.0.113.0/31'], '203.0.113.7', false],
    [['203.0.113.7/32'], '203.0.113.7', true],
    [['10.0.0.0/8', '198.51.100.0/24'], '203.0.113.7', false],
    [['0.0.0.0/0'], '203.0.113.7', true],
    [['2001:db8::/32'], '2001:db8:1::5', true],
    [['2001:db8::/32'], '2001:db9::5', false],
    [['203.0.113.0/24'], '2001:db8::1', false],
    [['sip.sinch.example'], '203.0.113.7', false],
    [['(bad)', 'x y'], '203.0.113.7', true], // invalid masks are ignored; none left = no filter
  ])('allowedAddresses %j with source %s → %s', (allowedAddresses, sourceIp, ok) => {
    const t = trunk('ST_ip', { numbers: [DID], allowedAddresses });
    const e = explainRoute(snap([t], [anyRule]), { ...call, sourceIp });
    expect(e.outcome === 'routed' && e.trunk === t).toBe(ok);
  });

  it('host names in allowedAddresses compare literally with the From host', () => {
    const t = trunk('ST_host', { numbers: [DID], allowedAddresses: ['acme.pstn.sinch.com'] });
    expect(routed(explainRoute(snap([t], [anyRule]), { ...call, fromHost: 'acme.pstn.sinch.com' })).trunk).toBe(t);
    expect(
      routed(explainRoute(snap([t], [anyRule]), { ...call, fromHost: 'ACME.pstn.sinch.com' })).trunk,
    ).toBeUndefined();
  });

  it('without a source IP the addresses are not checked, and the steps say so', () => {
    const t = trunk('ST_ip', { name: 'ip', numbers: [DID], allowedAddresses: ['10.0.0.0/8'] });
    const e = routed(explainRoute(snap([t], [anyRule]), { to: DID, from: CALLER }));
    expect(e.steps.slice(0, 2)).toEqual([
      'No valid source IP was given, so allowed addresses were not checked (LiveKit does the same).',
      'Trunk "ip" (ST_ip) lists +14155550100, so it takes the call.',
    ]);
  });

  it('explains an address filter miss', () => {
    const t = trunk('ST_ip', { name: 'ip', numbers: [DID], allowedAddresses: ['10.0.0.0/8'] });
    expect(explainRoute(snap([t], [anyRule]), call).steps[0]).toBe(
      'Trunk "ip" (ST_ip) lists +14155550100 but is skipped: source 203.0.113.7 is not in its allowed addresses (10.0.0.0/8).',
    );
  });
});

describe('explainRoute: rule stage', () => {
  const acme = trunk('ST_acme', { name: 'acme', numbers: [DID] });

  it('a rule listing the trunk beats a wildcard rule even with a better priority', () => {
    const wildcardPinned = rule('SDR_w', direct('vip', '1234'), { inboundNumbers: [CALLER], numbers: [DID] });
    const specific = rule('SDR_s', callee('c'), { name: 'specific', trunkIds: ['ST_acme'] });
    const e = routed(explainRoute(snap([acme], [wildcardPinned, specific]), call));
    expect(e.rule).toBe(specific);
    expect(e.steps).toContain(
      'Rule "specific" (SDR_s) lists trunk "acme" (ST_acme), so it beats rules for all trunks.',
    );
  });

  it('rules for other trunks are ignored', () => {
    const other = rule('SDR_o', direct('other'), { trunkIds: ['ST_other'] });
    expect(explainRoute(snap([acme], [other]), call)).toEqual({
      outcome: 'dropped',
      stage: 'rule',
      reason: 'No SIP Dispatch Rules defined',
      steps: [
        'Trunk "acme" (ST_acme) lists +14155550100, so it takes the call.',
        'No dispatch rule for trunk "acme" (ST_acme) or for all trunks accepts this call: LiveKit drops the call without any SIP answer (Sinch sees no response); LiveKit logs "No SIP Dispatch Rules defined" even though rules exist.',
      ],
    });
  });

  it('no rules at all', () => {
    expect(explainRoute(snap([acme], []), call)).toMatchObject({
      outcome: 'dropped',
      stage: 'rule',
      reason: 'No SIP Dispatch Rules defined',
    });
  });

  it('inboundNumbers filters on the CALLER, numbers on the CALLED number', () => {
    const byCaller = rule('SDR_c', direct('from-uk'), { name: 'uk', trunkIds: ['ST_acme'], inboundNumbers: [CALLER] });
    const byCalledAsCaller = rule('SDR_x', direct('wrong'), {
      name: 'wrong',
      trunkIds: ['ST_acme'],
      inboundNumbers: [DID],
    });
    expect(routed(explainRoute(snap([acme], [byCalledAsCaller, byCaller]), call)).rule).toBe(byCaller);

    const byCalled = rule('SDR_n', direct('line'), { trunkIds: ['ST_acme'], numbers: [DID] });
    const byCallerAsCalled = rule('SDR_m', direct('wrong2'), {
      name: 'wrong2',
      trunkIds: ['ST_acme'],
      numbers: [CALLER],
    });
    const e = routed(explainRoute(snap([acme], [byCallerAsCalled, byCalled]), call));
    expect(e.rule).toBe(byCalled);
    expect(e.steps).toContain(
      'Rule "wrong2" (SDR_m) is skipped: its numbers (called) +442079460958 do not include +14155550100.',
    );
  });

  it('compares rule numbers exactly, as LiveKit does, and points out the near miss', () => {
    const r = rule('SDR_f', direct('x'), { name: 'fmt', trunkIds: ['ST_acme'], inboundNumbers: ['+44 20 7946 0958'] });
    const e = explainRoute(snap([acme], [r]), call);
    expect(e).toMatchObject({ outcome: 'dropped', stage: 'rule' });
    expect(e.steps[1]).toBe(
      'Rule "fmt" (SDR_f) is skipped: its inbound numbers (callers) +44 20 7946 0958 do not include caller +442079460958. LiveKit compares these exactly: "+44 20 7946 0958" is written differently from "+442079460958".',
    );
  });

  it('priority: lower wins; pin first, then direct < individual < callee, number filters count', () => {
    const all = [
      rule('SDR_callee', callee('c'), { trunkIds: ['ST_acme'], name: 'callee' }),
      rule('SDR_ind', individual('i'), { trunkIds: ['ST_acme'], name: 'ind' }),
      rule('SDR_dir', direct('d'), { trunkIds: ['ST_acme'], name: 'dir' }),
    ];
    const e = routed(explainRoute(snap([acme], all), call));
    expect(e.rule.id).toBe('SDR_dir');
    expect(e.steps).toContain(
      'It wins on priority 2100 over rule "ind" (SDR_ind) (2101), rule "callee" (SDR_callee) (2102); lower wins.',
    );

    // A rule naming the caller (-1000) beats a direct rule without filters.
    const calleeForCaller = rule('SDR_cc', callee('c2'), { trunkIds: ['ST_acme'], inboundNumbers: [CALLER] });
    expect(routed(explainRoute(snap([acme], [...all, calleeForCaller]), call)).rule.id).toBe('SDR_cc');

    // A PIN-protected rule comes first; the caller is asked for the PIN.
    const pinned = rule('SDR_pin', callee('p', false, '4321'), { trunkIds: ['ST_acme'], inboundNumbers: [CALLER] });
    const p = routed(explainRoute(snap([acme], [...all, calleeForCaller, pinned]), call));
    expect(p.rule.id).toBe('SDR_pin');
    expect(p.steps).toContain('The rule has a PIN: the caller is asked for it before joining the room.');
  });

  it('equal priorities break ties by room name/prefix', () => {
    const b = rule('SDR_b', direct('bbb'), { trunkIds: ['ST_acme'] });
    const a = rule('SDR_a', direct('aaa'), { trunkIds: ['ST_acme'] });
    expect(routed(explainRoute(snap([acme], [b, a]), call)).rule.id).toBe('SDR_a');
  });

  it('reports agents and the direct room', () => {
    const r = rule('SDR_d', direct('support-room'), { trunkIds: ['ST_acme'], agents: ['inbound-agent'] });
    const e = routed(explainRoute(snap([acme], [r]), call));
    expect(e).toMatchObject({ roomPattern: 'support-room', roomKind: 'direct', agents: ['inbound-agent'] });
    expect(e.steps.slice(-2)).toEqual([
      'The call goes to room support-room (direct dispatch).',
      'The rule dispatches agent "inbound-agent" when the room is created.',
    ]);
  });
});

describe('dispatchRulePriority', () => {
  it.each([
    [direct('r', '1'), [CALLER], [DID], 0],
    [individual('p', '1'), [CALLER], [DID], 1],
    [callee('p', false, '1'), [CALLER], [DID], 2],
    [direct('r'), [CALLER], [DID], 100],
    [individual('p'), [CALLER], [DID], 101],
    [callee('p'), [CALLER], [DID], 102],
    [individual('p'), [], [DID], 1101],
    [individual('p'), [CALLER], [], 1101],
    [individual('p'), [], [], 2101],
  ])('%j inbound=%j numbers=%j → %d', (kind, inboundNumbers, numbers, expected) => {
    expect(dispatchRulePriority(rule('SDR', kind, { inboundNumbers, numbers }))).toBe(expected);
  });
});

describe('roomPatternFor', () => {
  const c = { to: DID, from: CALLER };
  it.each([
    [individual('est-inbound-'), false, 'est-inbound-_+442079460958_<random>'],
    [individual('call-'), false, 'call-_+442079460958_<random>'],
    [individual(''), false, '+442079460958_<random>'],
    [individual('est-inbound-', '', true), false, 'est-inbound-_+442079460958'],
    [individual('est-inbound-'), true, 'est-inbound-_0958_<random>'],
    [callee('line'), false, 'line_+14155550100'],
    [callee('line', true), false, 'line_+14155550100_<random>'],
    [callee(''), false, '+14155550100'],
    [callee('line'), true, 'line_+14155550100'],
    [direct('lobby'), false, 'lobby'],
  ])('%j (hidePhoneNumber=%s) → %s', (kind, hidePhoneNumber, expected) => {
    expect(roomPatternFor(rule('SDR', kind, { hidePhoneNumber }), c)).toBe(expected);
  });
});

describe('parseIp', () => {
  it.each([
    ['203.0.113.7', 32, 0xcb007107n],
    ['::1', 128, 1n],
    ['::', 128, 0n],
    ['2001:db8::1', 128, 0x20010db8000000000000000000000001n],
    ['::ffff:1.2.3.4', 128, 0xffff01020304n],
  ])('%s', (s, bits, value) => {
    expect(parseIp(s)).toEqual({ bits, value });
  });
  it.each(['1.2.3', '256.1.1.1', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'host.example', ''])('rejects %s', (s) => {
    expect(parseIp(s)).toBeUndefined();
  });
});
