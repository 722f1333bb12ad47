import type { Binding, BindingSpec } from '../../../src/domain/binding';
import type { BindingReport, CallStat, Finding, HealthInput } from '../../../src/domain/health-checks';
import {
  bareHost,
  findOrphanedResources,
  optionsKey,
  probeTargetsFor,
  runChecks,
  statsOf,
  worstStatus,
} from '../../../src/domain/health-checks';
import type { DispatchRule, InboundTrunk, LiveKitSnapshot, OutboundTrunk } from '../../../src/domain/livekit-model';
import { managedTag } from '../../../src/domain/livekit-model';
import { storedBinding } from '../../support/binding-builder';

// ------------------------------------------------------------------------------- builders

const NOW = new Date('2025-05-01T12:00:00Z');
const DID = '+14155550100';
const DID2 = '+14155550101';
const CALLER_ID = '+14155550199';

function binding(over: Partial<Binding> = {}): Binding {
  const name = over.name ?? 'acme';
  const spec: BindingSpec = {
    name,
    trunkDomain: 'acme.pstn.sinch.com',
    dids: [DID, DID2],
    callerId: CALLER_ID,
    auth: { kind: 'acl' },
    transport: 'udp',
    livekitSipHost: 'sip.example.com',
    dispatch: { kind: 'individual', roomPrefix: 'est-inbound-' },
    agentName: 'my-agent',
    reportChannel: 'C123',
  };
  return storedBinding(spec, {
    resources: { inboundTrunkId: `ST_${name}_in`, dispatchRuleId: `SDR_${name}`, outboundTrunkId: `ST_${name}_out` },
    ...over,
  });
}

/** The binding without an agent name (dispatch with no agent). */
function withoutAgent(b: Binding): Binding {
  const { agentName: _agentName, ...rest } = b;
  return rest;
}

function inboundFor(b: Binding, over: Partial<InboundTrunk> = {}): InboundTrunk {
  return {
    id: b.resources.inboundTrunkId!,
    name: `${b.name}-inbound`,
    metadata: managedTag(b.name),
    numbers: [...b.dids],
    allowedAddresses: [],
    allowedNumbers: [],
    hasAuth: false,
    mediaEncryption: b.transport === 'tls' ? 'require' : 'disable',
    ...over,
  };
}

function ruleFor(b: Binding, over: Partial<DispatchRule> = {}): DispatchRule {
  const d = b.dispatch;
  return {
    id: b.resources.dispatchRuleId!,
    name: `${b.name}-dispatch`,
    metadata: managedTag(b.name),
    rule:
      d.kind === 'direct'
        ? { kind: 'direct', roomName: d.roomName, pin: '' }
        : d.kind === 'individual'
          ? { kind: 'individual', roomPrefix: d.roomPrefix, pin: '', noRandomness: false }
          : { kind: 'callee', roomPrefix: d.roomPrefix, pin: '', randomize: true },
    trunkIds: [b.resources.inboundTrunkId!],
    inboundNumbers: [],
    numbers: [],
    hidePhoneNumber: false,
    agents: b.agentName ? [b.agentName] : [],
    attributes: {},
    ...over,
  };
}

function outboundFor(b: Binding, over: Partial<OutboundTrunk> = {}): OutboundTrunk {
  return {
    id: b.resources.outboundTrunkId!,
    name: `${b.name}-outbound`,
    metadata: managedTag(b.name),
    address: b.trunkDomain,
    transport: b.transport,
    numbers: [b.callerId],
    authUsername: b.auth.kind === 'digest' ? b.auth.username : '',
    hasAuthPassword: b.auth.kind === 'digest',
    mediaEncryption: b.transport === 'tls' ? 'require' : 'disable',
    destinationCountry: '',
    ...over,
  };
}

function snapshotFor(bs: Binding[]): LiveKitSnapshot {
  return {
    inboundTrunks: bs.map((b) => inboundFor(b)),
    dispatchRules: bs.map((b) => ruleFor(b)),
    outboundTrunks: bs.map((b) => outboundFor(b)),
  };
}

/** Healthy probes for every binding: DNS resolves, OPTIONS answers 200. */
function healthyInput(bs: Binding[], over: Partial<HealthInput> = {}): HealthInput {
  const dns: HealthInput['dns'] = {};
  const options: HealthInput['options'] = {};
  for (const b of bs) {
    const t = probeTargetsFor(b);
    for (const h of t.dnsHosts) dns[h] = { ok: true, addresses: ['203.0.113.10'] };
    for (const o of t.options) options[optionsKey(o)] = { kind: 'response', status: 200, reason: 'OK', rttMs: 12 };
  }
  return {
    livekit: { ok: true, snapshot: snapshotFor(bs) },
    apiSecretLength: 48,
    bindings: bs,
    dns,
    options,
    calls: [],
    now: NOW,
    ...over,
  };
}

/** Runs the checks with one LiveKit resource of the (single) binding changed. */
function withSnapshot(b: Binding, edit: (s: LiveKitSnapshot) => void, over: Partial<HealthInput> = {}): BindingReport {
  const input = healthyInput([b], over);
  if (!input.livekit.ok) throw new Error('unreachable');
  edit(input.livekit.snapshot);
  return runChecks(input).bindings[0]!;
}

function get(r: BindingReport, check: string): Finding {
  const f = r.findings.find((x) => x.check === check);
  if (!f) throw new Error(`no finding ${check} in ${r.findings.map((x) => x.check).join(', ')}`);
  return f;
}

function call(over: Partial<CallStat> = {}): CallStat {
  return {
    direction: 'inbound',
    bindingName: 'acme',
    startedAt: '2025-05-01T10:00:00Z',
    answeredAt: '2025-05-01T10:00:01Z',
    agentJoined: true,
    sipStatus: null,
    outcome: 'completed',
    setupMs: 1000,
    ...over,
  };
}

// ---------------------------------------------------------------------------------- tests

describe('runChecks: a healthy binding', () => {
  it('passes every check, with routes and empty stats', () => {
    const b = binding();
    const report = runChecks(healthyInput([b]));
    expect(report.global.map((f) => [f.check, f.status])).toEqual([
      ['livekit.api', 'pass'],
      ['livekit.api-secret', 'pass'],
    ]);
    const r = report.bindings[0]!;
    expect(r.findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.findings.map((f) => f.check)).toEqual([
      'inbound-trunk.exists',
      'inbound-trunk.numbers',
      'inbound-trunk.conflicts',
      'dispatch-rule.exists',
      'dispatch-rule.trunk',
      'dispatch-rule.type',
      'dispatch-rule.agent',
      'outbound-trunk.exists',
      'outbound-trunk.address',
      'outbound-trunk.transport',
      'outbound-trunk.caller-id',
      'e164',
      'drift',
      'route.explain',
      'dns.trunk-domain',
      'dns.livekit-sip-host',
      'options.est',
      'options.livekit',
    ]);
    expect(r.routes).toEqual([
      { did: DID, ok: true, text: `${DID} → room est-inbound-_<caller>_<random>, agent my-agent` },
      { did: DID2, ok: true, text: `${DID2} → room est-inbound-_<caller>_<random>, agent my-agent` },
    ]);
    expect(r.stats).toEqual({
      inboundCalls: 0,
      agentJoined: 0,
      agentJoinRate: null,
      testCalls: 0,
      answered: 0,
      medianSetupMs: null,
      failuresBySipCode: {},
    });
  });

  it('every warn and fail finding has a next step', () => {
    const b = binding();
    const report = runChecks({
      ...healthyInput([b]),
      livekit: { ok: false, failure: { kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:7880' } },
      apiSecretLength: 10,
      dns: {},
      options: {},
    });
    const all = [...report.global, ...report.bindings.flatMap((x) => x.findings)];
    expect(all.length).toBeGreaterThan(3);
    for (const f of all) if (f.status !== 'pass') expect(f.nextStep).toEqual(expect.any(String));
  });
});

describe('probe plan', () => {
  it('probes the EST trunk domain and the LiveKit SIP host over the binding transport', () => {
    expect(probeTargetsFor(binding())).toEqual({
      dnsHosts: ['acme.pstn.sinch.com', 'sip.example.com'],
      options: [
        { host: 'acme.pstn.sinch.com', transport: 'udp' },
        { host: 'sip.example.com', transport: 'udp' },
      ],
    });
    expect(probeTargetsFor(binding({ livekitSipHost: 'acme.pstn.sinch.com' })).dnsHosts).toEqual([
      'acme.pstn.sinch.com',
    ]);
  });

  it('optionsKey fills the default port per transport', () => {
    expect(optionsKey({ host: 'Acme.pstn.sinch.com', transport: 'udp' })).toBe('udp:acme.pstn.sinch.com:5060');
    expect(optionsKey({ host: 'sip.example.com', transport: 'tls' })).toBe('tls:sip.example.com:5061');
    expect(optionsKey({ host: 'sip.example.com', transport: 'tcp', port: 5080 })).toBe('tcp:sip.example.com:5080');
  });
});

describe('global checks', () => {
  it('LiveKit unreachable: global fail, per-binding LiveKit checks replaced by livekit.unreachable', () => {
    const b = binding();
    const report = runChecks({
      ...healthyInput([b]),
      livekit: { ok: false, failure: { kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:7880' } },
    });
    const api = report.global.find((f) => f.check === 'livekit.api')!;
    expect(api.status).toBe('fail');
    expect(api.title).toBe('LiveKit API check failed: LiveKit is unreachable');
    expect(api.evidence).toContain('ECONNREFUSED 127.0.0.1:7880');
    expect(api.nextStep).toContain('LIVEKIT_URL');
    const r = report.bindings[0]!;
    expect(r.status).toBe('fail');
    expect(r.findings.filter((f) => f.check.startsWith('livekit.'))).toHaveLength(1);
    expect(get(r, 'livekit.unreachable').evidence).toContain('ST_acme_in');
    expect(r.findings.some((f) => f.check.startsWith('inbound-trunk') || f.check === 'route.explain')).toBe(false);
    expect(r.routes).toEqual([]);
    // Network checks still run.
    expect(get(r, 'dns.trunk-domain').status).toBe('pass');
    expect(get(r, 'options.est').status).toBe('pass');
  });

  it('bad credentials: fail naming the key and secret variables', () => {
    const report = runChecks({
      ...healthyInput([]),
      livekit: { ok: false, failure: { kind: 'auth', reason: 'bad-credentials', message: 'invalid API key' } },
    });
    expect(report.global[0]).toMatchObject({
      check: 'livekit.api',
      status: 'fail',
      title: 'LiveKit API check failed: LiveKit rejected the API key/secret',
    });
    expect(report.global[0]!.nextStep).toContain('LIVEKIT_API_SECRET');
  });

  it('API secret shorter than 32 characters: warn with its length, never its value', () => {
    const short = runChecks(healthyInput([], { apiSecretLength: 20 })).global[1]!;
    expect(short).toMatchObject({ check: 'livekit.api-secret', status: 'warn' });
    expect(short.evidence).toBe('LIVEKIT_API_SECRET has 20 characters; LiveKit requires at least 32.');
    expect(runChecks(healthyInput([], { apiSecretLength: 32 })).global[1]!.status).toBe('pass');
  });
});

describe('inbound trunk', () => {
  it('exists: fail when the recorded trunk is gone, pointing at a tagged replacement', () => {
    const b = binding();
    const r = withSnapshot(b, (s) => {
      s.inboundTrunks[0]!.id = 'ST_other';
    });
    const f = get(r, 'inbound-trunk.exists');
    expect(f.status).toBe('fail');
    expect(f.title).toBe('Inbound trunk ST_acme_in not found in LiveKit');
    expect(f.evidence).toContain('LiveKit holds ST_other tagged for acme');
    expect(f.nextStep).toBe('Run /sip-setup acme and save to re-create it.');
    expect(r.findings.some((x) => x.check === 'inbound-trunk.numbers')).toBe(false);
  });

  it('exists: fail when the binding records no trunk ID', () => {
    const b = binding();
    const { inboundTrunkId: _inboundTrunkId, ...noInbound } = b.resources;
    const r = runChecks(healthyInput([{ ...b, resources: noInbound }])).bindings[0]!;
    expect(get(r, 'inbound-trunk.exists')).toMatchObject({
      status: 'fail',
      title: 'Inbound trunk missing: the binding records none',
    });
  });

  it('numbers: fail listing the missing DID and the lk command', () => {
    const r = withSnapshot(binding(), (s) => {
      s.inboundTrunks[0]!.numbers = [DID];
    });
    const f = get(r, 'inbound-trunk.numbers');
    expect(f).toMatchObject({ status: 'fail', title: 'Inbound trunk ST_acme_in is missing 1 DID(s)' });
    expect(f.evidence).toBe(`Missing on ST_acme_in: ${DID2}. It lists: ${DID}.`);
    expect(f.nextStep).toBe(
      `lk sip inbound update --id ST_acme_in --numbers ${DID},${DID2} (or /sip-setup acme to re-apply).`,
    );
  });

  it('numbers: compares after normalization', () => {
    const r = withSnapshot(binding(), (s) => {
      s.inboundTrunks[0]!.numbers = ['+1 (415) 555-0100', '14155550101'];
    });
    expect(get(r, 'inbound-trunk.numbers').status).toBe('pass');
  });

  it('numbers: a wildcard trunk is a warning', () => {
    const r = withSnapshot(binding(), (s) => {
      s.inboundTrunks[0]!.numbers = [];
    });
    expect(get(r, 'inbound-trunk.numbers')).toMatchObject({
      status: 'warn',
      title: 'Inbound trunk ST_acme_in is a wildcard (no numbers)',
    });
  });

  it('conflicts: another trunk listing a DID fails, and the route is dropped', () => {
    const r = withSnapshot(binding(), (s) => {
      s.inboundTrunks.push({
        ...s.inboundTrunks[0]!,
        id: 'ST_rogue',
        name: 'rogue',
        metadata: '',
        numbers: ['+1 415 555 0101'],
      });
    });
    const f = get(r, 'inbound-trunk.conflicts');
    expect(f.status).toBe('fail');
    expect(f.evidence).toBe(`trunk "rogue" (ST_rogue) also lists ${DID2}.`);
    expect(f.nextStep).toContain('lk sip inbound update --id ST_rogue');
    const route = r.routes.find((x) => x.did === DID2)!;
    expect(route.ok).toBe(false);
    expect(route.text).toContain(`${DID2} → dropped at the trunk stage:`);
    expect(route.text).toContain('LiveKit answers 503');
    expect(get(r, 'route.explain').status).toBe('fail');
    expect(r.routes.find((x) => x.did === DID)!.ok).toBe(true);
  });

  it('conflicts: a trunk with disjoint allowedNumbers does not conflict (LiveKit accepts it)', () => {
    const r = withSnapshot(binding(), (s) => {
      s.inboundTrunks[0]!.allowedNumbers = ['+15550100000'];
      s.inboundTrunks.push({ ...s.inboundTrunks[0]!, id: 'ST_vip', name: 'vip', allowedNumbers: ['+15550199999'] });
    });
    expect(get(r, 'inbound-trunk.conflicts').status).toBe('pass');
  });

  it('conflicts: an unrelated wildcard trunk is fine while ours lists the DIDs, not when ours is a wildcard too', () => {
    const wild = (s: LiveKitSnapshot): void => {
      s.inboundTrunks.push({ ...s.inboundTrunks[0]!, id: 'ST_wild', name: 'wild', numbers: [] });
    };
    expect(get(withSnapshot(binding(), wild), 'inbound-trunk.conflicts').status).toBe('pass');
    const both = withSnapshot(binding(), (s) => {
      s.inboundTrunks[0]!.numbers = [];
      wild(s);
    });
    const f = get(both, 'inbound-trunk.conflicts');
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('are all wildcard trunks');
  });
});

describe('dispatch rule', () => {
  it('exists: fail when missing', () => {
    const r = withSnapshot(binding(), (s) => {
      s.dispatchRules = [];
    });
    expect(get(r, 'dispatch-rule.exists')).toMatchObject({
      status: 'fail',
      title: 'Dispatch rule SDR_acme not found in LiveKit',
    });
    expect(r.findings.some((f) => f.check === 'dispatch-rule.agent')).toBe(false);
  });

  it('trunk: empty trunk IDs warn, another trunk fails', () => {
    const all = withSnapshot(binding(), (s) => {
      s.dispatchRules[0]!.trunkIds = [];
    });
    expect(get(all, 'dispatch-rule.trunk')).toMatchObject({
      status: 'warn',
      nextStep: 'lk sip dispatch update --id SDR_acme --trunks ST_acme_in (or /sip-setup acme to re-apply).',
    });
    const other = withSnapshot(binding(), (s) => {
      s.dispatchRules[0]!.trunkIds = ['ST_x'];
    });
    expect(get(other, 'dispatch-rule.trunk')).toMatchObject({
      status: 'fail',
      title: 'Dispatch rule SDR_acme does not reference inbound trunk ST_acme_in',
    });
  });

  it('type: a different kind or prefix fails with both values', () => {
    const r = withSnapshot(binding(), (s) => {
      s.dispatchRules[0]!.rule = { kind: 'direct', roomName: 'lobby', pin: '' };
    });
    const f = get(r, 'dispatch-rule.type');
    expect(f.status).toBe('fail');
    expect(f.evidence).toBe(
      'Binding acme: individual, prefix "est-inbound-"; LiveKit rule SDR_acme: direct to room "lobby".',
    );
    const prefix = withSnapshot(binding(), (s) => {
      s.dispatchRules[0]!.rule = { kind: 'individual', roomPrefix: 'call-', pin: '', noRandomness: false };
    });
    expect(get(prefix, 'dispatch-rule.type').status).toBe('fail');
    const direct = binding({ dispatch: { kind: 'direct', roomName: 'lobby' } });
    expect(
      get(
        withSnapshot(direct, () => undefined),
        'dispatch-rule.type',
      ).status,
    ).toBe('pass');
  });

  it('agent: missing named agent fails with a roomConfig.agents next step', () => {
    const r = withSnapshot(binding(), (s) => {
      s.dispatchRules[0]!.agents = [];
    });
    const f = get(r, 'dispatch-rule.agent');
    expect(f).toMatchObject({ status: 'fail', title: 'Dispatch rule SDR_acme does not dispatch agent my-agent' });
    expect(f.nextStep).toContain('roomConfig.agents');
    expect(r.routes[0]!.text).toBe(`${DID} → room est-inbound-_<caller>_<random>, no agent`);
  });

  it('agent: an agent the binding does not name warns; none on both sides passes', () => {
    const none = withoutAgent(binding());
    const extra = withSnapshot(none, (s) => {
      s.dispatchRules[0]!.agents = ['stray'];
    });
    expect(get(extra, 'dispatch-rule.agent')).toMatchObject({ status: 'warn' });
    expect(
      get(
        withSnapshot(none, () => undefined),
        'dispatch-rule.agent',
      ).status,
    ).toBe('pass');
  });
});

describe('outbound trunk', () => {
  it('exists: fail when missing', () => {
    const r = withSnapshot(binding(), (s) => {
      s.outboundTrunks = [];
    });
    expect(get(r, 'outbound-trunk.exists').status).toBe('fail');
    expect(r.findings.some((f) => f.check === 'outbound-trunk.address')).toBe(false);
  });

  it('address: ignores sip: and :port, fails on another host', () => {
    const same = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.address = 'sip:ACME.pstn.sinch.com:5060';
    });
    expect(get(same, 'outbound-trunk.address').status).toBe('pass');
    const other = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.address = 'other.pstn.sinch.com';
    });
    const f = get(other, 'outbound-trunk.address');
    expect(f.status).toBe('fail');
    expect(f.nextStep).toBe(
      'lk sip outbound update --id ST_acme_out --address acme.pstn.sinch.com (or /sip-setup acme to re-apply).',
    );
  });

  it('bareHost strips scheme, user, port, params and trailing dot', () => {
    expect(bareHost('sips:user@Acme.pstn.sinch.com.:5061;transport=tls')).toBe('acme.pstn.sinch.com');
    expect(bareHost('[2001:db8::1]:5060')).toBe('2001:db8::1');
  });

  it('transport: mismatch fails, auto for udp warns', () => {
    const tcp = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.transport = 'tcp';
    });
    expect(get(tcp, 'outbound-trunk.transport')).toMatchObject({
      status: 'fail',
      title: 'Outbound trunk ST_acme_out uses tcp, binding says udp',
    });
    const auto = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.transport = 'auto';
    });
    expect(get(auto, 'outbound-trunk.transport').status).toBe('warn');
  });

  it('caller ID: fail when the trunk numbers lack it', () => {
    const r = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.numbers = ['+14155550000'];
    });
    const f = get(r, 'outbound-trunk.caller-id');
    expect(f.status).toBe('fail');
    expect(f.evidence).toBe(`Outbound trunk ST_acme_out numbers: +14155550000; binding caller ID: ${CALLER_ID}.`);
  });

  it('digest auth: username and password must be set', () => {
    const b = binding({ auth: { kind: 'digest', username: 'acme-user', password: 'secret-pw' } });
    expect(
      get(
        withSnapshot(b, () => undefined),
        'outbound-trunk.auth',
      ).status,
    ).toBe('pass');
    const r = withSnapshot(b, (s) => {
      s.outboundTrunks[0]!.hasAuthPassword = false;
    });
    const f = get(r, 'outbound-trunk.auth');
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('no auth password');
    expect(JSON.stringify(r)).not.toContain('secret-pw');
    const noUser = withSnapshot(b, (s) => {
      s.outboundTrunks[0]!.authUsername = '';
    });
    expect(get(noUser, 'outbound-trunk.auth').evidence).toContain('no auth username');
    // ACL bindings have no digest check.
    expect(withSnapshot(binding(), () => undefined).findings.some((x) => x.check === 'outbound-trunk.auth')).toBe(
      false,
    );
  });
});

describe('E.164, SRTP and drift', () => {
  it('E.164: fail on a trunk number without +', () => {
    const r = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.numbers = ['14155550199'];
    });
    const f = get(r, 'e164');
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('outbound trunk ST_acme_out numbers: "14155550199"');
    // Still the caller ID after normalization.
    expect(get(r, 'outbound-trunk.caller-id').status).toBe('pass');
  });

  it('E.164: fail on a binding DID that is not E.164', () => {
    const b = binding({ dids: ['4155550100'] });
    const f = get(runChecks(healthyInput([b])).bindings[0]!, 'e164');
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('binding DIDs: "4155550100"');
  });

  it('TLS requires SRTP on both trunks', () => {
    const b = binding({ transport: 'tls' });
    expect(
      get(
        withSnapshot(b, () => undefined),
        'tls.srtp',
      ).status,
    ).toBe('pass');
    const r = withSnapshot(b, (s) => {
      s.inboundTrunks[0]!.mediaEncryption = 'allow';
    });
    const f = get(r, 'tls.srtp');
    expect(f.status).toBe('fail');
    expect(f.evidence).toContain('inbound trunk ST_acme_in media encryption: allow');
    expect(f.nextStep).toContain('lk sip inbound update --id ST_acme_in --media-enc require');
    expect(withSnapshot(binding(), () => undefined).findings.some((x) => x.check === 'tls.srtp')).toBe(false);
  });

  it('drift: fields changed by hand warn, listing the fields', () => {
    const r = withSnapshot(binding(), (s) => {
      s.outboundTrunks[0]!.mediaEncryption = 'allow';
      s.dispatchRules[0]!.metadata = '';
    });
    const f = get(r, 'drift');
    expect(f.status).toBe('warn');
    expect(f.title).toBe('LiveKit differs from the binding (metadata, mediaEncryption)');
    expect(f.evidence).toContain('outbound trunk ST_acme_out mediaEncryption: LiveKit has allow, binding says disable');
    expect(f.nextStep).toContain('/sip-setup acme');
    expect(r.status).toBe('warn');
  });
});

describe('route explain', () => {
  it('a DID that no trunk lists is dropped at the trunk stage', () => {
    const b = binding({ dids: [DID, '+14155550777'] });
    const r = runChecks(healthyInput([b], { livekit: { ok: true, snapshot: snapshotFor([binding()]) } })).bindings[0]!;
    const line = r.routes.find((x) => x.did === '+14155550777')!;
    expect(line.ok).toBe(false);
    expect(line.text).toBe(
      '+14155550777 → dropped at the trunk stage: No inbound trunk lists +14155550777 or accepts it as a wildcard: LiveKit goes on without a trunk, so only dispatch rules for all trunks (no trunk IDs) can take the call, with no trunk address or auth check. No dispatch rule for all trunks accepts this call: LiveKit drops the call without any SIP answer (Sinch sees no response); LiveKit logs "No SIP Dispatch Rules defined" even though rules exist.',
    );
    const f = get(r, 'route.explain');
    expect(f).toMatchObject({ status: 'fail', title: "1 of 2 DID(s) would not reach this binding's dispatch rule" });
    expect(f.evidence).toContain(line.text);
  });

  it('a rule for all trunks catches a DID that no trunk lists: route explain says so and a global finding flags it', () => {
    const b = binding({ dids: [DID, '+14155550777'] });
    const input = healthyInput([b], { livekit: { ok: true, snapshot: snapshotFor([binding()]) } });
    if (!input.livekit.ok) throw new Error('unreachable');
    for (const r of input.livekit.snapshot.dispatchRules) r.trunkIds = [];
    const report = runChecks(input);
    const line = report.bindings[0]!.routes.find((x) => x.did === '+14155550777')!;
    expect(line.text).toContain('(no trunk matched: a rule for all trunks took it, with no address or auth check)');
    expect(report.global.find((f) => f.check === 'dispatch-rule.catch-all')).toMatchObject({
      status: 'warn',
      title: '1 dispatch rule(s) for all trunks catch calls to numbers no trunk lists',
    });
    // With every rule tied to a trunk there is no such finding.
    expect(runChecks(healthyInput([b])).global.map((f) => f.check)).not.toContain('dispatch-rule.catch-all');
  });

  it("a DID reaching another binding's rule fails", () => {
    const acme = binding();
    const beta = withoutAgent(
      binding({ name: 'beta', dids: ['+14155550200'], dispatch: { kind: 'direct', roomName: 'beta-room' } }),
    );
    const input = healthyInput([acme, beta]);
    if (!input.livekit.ok) throw new Error('unreachable');
    // Someone moved DID2 onto beta's inbound trunk with lk.
    input.livekit.snapshot.inboundTrunks[0]!.numbers = [DID];
    input.livekit.snapshot.inboundTrunks[1]!.numbers = ['+14155550200', DID2];
    const r = runChecks(input).bindings[0]!;
    const line = r.routes.find((x) => x.did === DID2)!;
    expect(line).toEqual({
      did: DID2,
      ok: false,
      text: `${DID2} → binding beta's rule "beta-dispatch" (SDR_beta), room beta-room, no agent (via trunk "beta-inbound" ST_beta_in, not this binding's trunk); expected rule SDR_acme`,
    });
    expect(get(r, 'route.explain').status).toBe('fail');
    expect(runChecks(input).bindings[1]!.status).toBe('warn'); // drift on beta's numbers only
  });

  it('callee and direct dispatch show their room pattern', () => {
    const b = withoutAgent(binding({ dispatch: { kind: 'callee', roomPrefix: 'in' } }));
    expect(withSnapshot(b, () => undefined).routes[0]!.text).toBe(`${DID} → room in_${DID}_<random>, no agent`);
    const d = binding({ dispatch: { kind: 'direct', roomName: 'lobby' } });
    expect(withSnapshot(d, () => undefined).routes[0]!.text).toBe(`${DID} → room lobby, agent my-agent`);
  });
});

describe('network probes', () => {
  it('DNS: resolved passes, failure fails, missing warns as not probed', () => {
    const b = binding();
    const r = runChecks(
      healthyInput([b], {
        dns: {
          'acme.pstn.sinch.com': { ok: false, code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND acme.pstn.sinch.com' },
        },
      }),
    ).bindings[0]!;
    const d = get(r, 'dns.trunk-domain');
    expect(d).toMatchObject({ status: 'fail', title: 'EST trunk domain acme.pstn.sinch.com does not resolve' });
    expect(d.evidence).toContain('ENOTFOUND');
    expect(get(r, 'dns.livekit-sip-host')).toMatchObject({
      status: 'warn',
      title: 'LiveKit SIP host sip.example.com not probed',
    });
    expect(get(runChecks(healthyInput([b])).bindings[0]!, 'dns.livekit-sip-host').evidence).toBe(
      'sip.example.com → 203.0.113.10.',
    );
  });

  it('OPTIONS: 403 from EST warns about the ACL', () => {
    const b = binding();
    const input = healthyInput([b]);
    input.options[optionsKey({ host: 'acme.pstn.sinch.com', transport: 'udp' })] = {
      kind: 'response',
      status: 403,
      reason: 'Forbidden',
      rttMs: 40,
    };
    const f = get(runChecks(input).bindings[0]!, 'options.est');
    expect(f.status).toBe('warn');
    expect(f.title).toBe(
      'EST trunk reachable but 403 — EST answers 403 to hosts not in its ACL; add the LiveKit public IP',
    );
    expect(f.evidence).toBe('OPTIONS to acme.pstn.sinch.com:5060/UDP: 403 Forbidden in 40 ms.');
  });

  it('OPTIONS: timeout fails suggesting TCP, error fails, missing warns', () => {
    const b = binding();
    const input = healthyInput([b]);
    input.options[optionsKey({ host: 'acme.pstn.sinch.com', transport: 'udp' })] = { kind: 'timeout', ms: 4000 };
    input.options[optionsKey({ host: 'sip.example.com', transport: 'udp' })] = {
      kind: 'error',
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED',
    };
    const r = runChecks(input).bindings[0]!;
    const t = get(r, 'options.est');
    expect(t.status).toBe('fail');
    expect(t.evidence).toBe('No answer to OPTIONS from acme.pstn.sinch.com:5060/UDP within 4000 ms.');
    expect(t.nextStep).toContain('try TCP');
    expect(get(r, 'options.livekit')).toMatchObject({
      status: 'fail',
      title: 'LiveKit SIP sip.example.com:5060/UDP cannot be probed: ECONNREFUSED',
    });
    const missing = runChecks({ ...healthyInput([b]), options: {} }).bindings[0]!;
    expect(get(missing, 'options.est')).toMatchObject({
      status: 'warn',
      title: 'EST trunk acme.pstn.sinch.com:5060/UDP not probed',
    });
  });

  it('OPTIONS over TLS uses port 5061', () => {
    const b = binding({ transport: 'tls' });
    const r = runChecks(healthyInput([b])).bindings[0]!;
    expect(get(r, 'options.est').evidence).toBe('OPTIONS to acme.pstn.sinch.com:5061/TLS: 200 OK in 12 ms.');
  });
});

describe('call statistics', () => {
  it('computes counts, join rate, median setup and failures by SIP code for the binding in the last 24 h', () => {
    const calls: CallStat[] = [
      call({ setupMs: 800 }),
      call({ agentJoined: false, setupMs: 1200 }),
      call({ setupMs: 1000 }),
      call({ bindingName: 'other' }),
      call({ startedAt: '2025-04-29T10:00:00Z' }), // older than 24 h
      call({ direction: 'test', outcome: 'failed', answeredAt: null, sipStatus: 403, setupMs: null }),
      call({ direction: 'test', outcome: 'failed', answeredAt: null, sipStatus: 403, setupMs: null }),
      call({ direction: 'test', outcome: 'answered', setupMs: 3000 }),
      call({ direction: 'test', outcome: 'failed', answeredAt: null, sipStatus: null, setupMs: null }),
      call({ direction: 'test', outcome: 'in-progress', answeredAt: null, setupMs: null }),
    ];
    const r = runChecks(healthyInput([binding()], { calls })).bindings[0]!;
    expect(r.stats).toEqual({
      inboundCalls: 3,
      agentJoined: 2,
      agentJoinRate: 2 / 3,
      testCalls: 5,
      answered: 1,
      medianSetupMs: 1100,
      failuresBySipCode: { '403': 2, none: 1 },
    });
    expect(get(r, 'calls.test-calls').status).toBe('pass');
    expect(get(r, 'calls.agent-join').status).toBe('pass');
  });

  it('warns when every test call in 24 h failed', () => {
    const calls = [
      call({ direction: 'test', outcome: 'failed', answeredAt: null, sipStatus: 408 }),
      call({ direction: 'test', outcome: 'failed', answeredAt: null, sipStatus: 403 }),
    ];
    const r = runChecks(healthyInput([binding()], { calls })).bindings[0]!;
    const f = get(r, 'calls.test-calls');
    expect(f.status).toBe('warn');
    expect(f.title).toBe('All 2 test call(s) in the last 24 h failed');
    expect(f.evidence).toContain('SIP 403 ×1, SIP 408 ×1');
    expect(f.nextStep).toBe('Place one with /sip-test-call acme <number> and follow its diagnosis.');
    expect(r.status).toBe('warn');
  });

  it('warns when the named agent joined no inbound call', () => {
    const r = runChecks(
      healthyInput([binding()], { calls: [call({ agentJoined: false }), call({ agentJoined: false })] }),
    ).bindings[0]!;
    expect(get(r, 'calls.agent-join')).toMatchObject({
      status: 'warn',
      title: 'Agent my-agent joined none of 2 inbound call(s)',
    });
  });

  it('statsOf: median of an odd count, no inbound calls → null rate', () => {
    const s = statsOf([
      call({ direction: 'test', setupMs: 5 }),
      call({ direction: 'test', setupMs: 1 }),
      call({ direction: 'test', setupMs: 3 }),
    ]);
    expect(s.medianSetupMs).toBe(3);
    expect(s.agentJoinRate).toBeNull();
  });
});

describe('worstStatus', () => {
  it('orders pass < warn < fail', () => {
    expect(worstStatus([])).toBe('pass');
    expect(worstStatus(['pass', 'warn'])).toBe('warn');
    expect(worstStatus(['warn', 'fail', 'pass'])).toBe('fail');
  });
});

describe('orphaned LiveKit resources (tagged as SIP Ops, owned by no binding)', () => {
  it('lists each orphan with its tagged binding, the import that adopts it and the lk commands that delete it', () => {
    const kept = binding();
    const lost = binding({
      name: 'gone',
      dids: ['+14155550300'],
      resources: { inboundTrunkId: 'ST_gone_in', dispatchRuleId: 'SDR_gone', outboundTrunkId: 'ST_gone_out' },
    });
    // LiveKit still holds the resources of `gone`, but the database only knows `acme`.
    const input = healthyInput([kept], { livekit: { ok: true, snapshot: snapshotFor([kept, lost]) } });
    const f = runChecks(input).global.find((x) => x.check === 'livekit.orphaned-resources');
    expect(f).toMatchObject({
      status: 'warn',
      title: '3 LiveKit resource(s) tagged as managed by SIP Ops belong to no binding',
    });
    expect(f!.evidence).toContain('tagged "gone": inbound ST_gone_in, rule SDR_gone, outbound ST_gone_out');
    expect(f!.evidence).toContain(
      'adopt with /sip-setup import gone inbound=ST_gone_in rule=SDR_gone outbound=ST_gone_out',
    );
    expect(f!.evidence).toContain(
      'lk sip inbound delete ST_gone_in; lk sip dispatch delete SDR_gone; lk sip outbound delete ST_gone_out',
    );
    expect(f!.evidence).not.toContain('ST_acme');
  });

  it('suggests another name when a binding of the tagged name owns other resources, and ignores untagged resources', () => {
    const current = binding();
    const old = binding({
      resources: { inboundTrunkId: 'ST_old_in', dispatchRuleId: 'SDR_old', outboundTrunkId: 'ST_old_out' },
    });
    const input = healthyInput([current], { livekit: { ok: true, snapshot: snapshotFor([current, old]) } });
    if (!input.livekit.ok) throw new Error('unreachable');
    input.livekit.snapshot.outboundTrunks.find((t) => t.id === 'ST_old_out')!.metadata = '';
    const f = findOrphanedResources(input.livekit.snapshot, [current]);
    expect(f.map((o) => o.id)).toEqual(['ST_old_in', 'SDR_old']);
    const finding = runChecks(input).global.find((x) => x.check === 'livekit.orphaned-resources')!;
    expect(finding.evidence).toContain('(a binding of that name now owns other resources)');
    expect(finding.evidence).toContain('/sip-setup import acme-restored inbound=ST_old_in rule=SDR_old');
  });

  it('has no finding when every tagged resource belongs to a binding', () => {
    expect(runChecks(healthyInput([binding()])).global.map((f) => f.check)).not.toContain('livekit.orphaned-resources');
  });
});
