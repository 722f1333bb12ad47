import type { BindingSpec } from '../../../src/domain/binding';
import { cidrContains, estDesiredFor, estDrift, runEstChecks, type EstSnapshot } from '../../../src/domain/est-checks';

const spec: Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport' | 'auth' | 'dids'> = {
  trunkDomain: 'acme-lk.pstn.sinch.com',
  livekitSipHost: 'sip.lk.example.com',
  transport: 'udp',
  auth: { kind: 'acl' },
  dids: ['+15551230001', '+15551230002'],
};

function healthy(): EstSnapshot {
  return {
    trunk: { id: 'T1', hostName: 'acme-lk', domain: 'acme-lk.pstn.sinch.com' },
    endpoints: [
      { id: 'E1', name: 'livekit', address: 'sip.lk.example.com', port: 5060, transport: 'UDP', enabled: true },
    ],
    acls: [{ id: 'A1', name: 'lk', enabled: true, ipRanges: [{ ipAddress: '203.0.113.10', range: 32 }] }],
    credentialLists: [],
    numbers: [
      { phoneNumber: '+15551230001', trunkId: 'T1', owned: true },
      { phoneNumber: '+15551230002', trunkId: 'T1', owned: true },
    ],
  };
}

const status = (findings: ReturnType<typeof runEstChecks>) =>
  Object.fromEntries(findings.map((f) => [f.check, f.status]));

describe('EST checks', () => {
  const desired = estDesiredFor(spec, '203.0.113.10');

  it('desired state: port 5060 for UDP/TCP, 5061 for TLS, upper-case transport', () => {
    expect(desired.endpoint).toEqual({ address: 'sip.lk.example.com', port: 5060, transport: 'UDP' });
    expect(estDesiredFor({ ...spec, transport: 'tls' }).endpoint).toEqual({
      address: 'sip.lk.example.com',
      port: 5061,
      transport: 'TLS',
    });
  });

  it('a healthy EST side passes every check with no drift', () => {
    const f = runEstChecks(desired, healthy());
    expect(f.every((x) => x.status === 'pass')).toBe(true);
    expect(f.map((x) => x.check)).toEqual([
      'est.trunk.exists',
      'est.endpoint.target',
      'est.endpoint.enabled',
      'est.outbound-auth',
      'est.did.+15551230001',
      'est.did.+15551230002',
      'est.drift',
    ]);
  });

  it('a missing trunk is one fail and nothing else', () => {
    const { trunk: _trunk, ...noTrunk } = healthy();
    const f = runEstChecks(desired, noTrunk);
    expect(f).toEqual([expect.objectContaining({ check: 'est.trunk.exists', status: 'fail' })]);
  });

  it('an endpoint pointing elsewhere fails and shows as drift', () => {
    const s = healthy();
    s.endpoints[0] = { ...s.endpoints[0]!, address: '198.51.100.7', port: 5080 };
    const f = runEstChecks(desired, s);
    expect(status(f)['est.endpoint.target']).toBe('fail');
    expect(f.find((x) => x.check === 'est.endpoint.target')!.evidence).toContain('198.51.100.7:5080/UDP');
    expect(estDrift(desired, s)).toEqual([
      { what: 'endpoint address', desired: 'sip.lk.example.com', actual: '198.51.100.7' },
      { what: 'endpoint port', desired: '5060', actual: '5080' },
    ]);
    expect(status(f)['est.drift']).toBe('warn');
  });

  it('a disabled endpoint fails the enabled check', () => {
    const s = healthy();
    s.endpoints[0]!.enabled = false;
    expect(status(runEstChecks(desired, s))).toMatchObject({
      'est.endpoint.target': 'pass',
      'est.endpoint.enabled': 'fail',
      'est.drift': 'warn',
    });
  });

  it('ACL mode: LiveKit IP must be inside an enabled linked range; unknown IP is a warning', () => {
    const s = healthy();
    s.acls[0]!.ipRanges = [{ ipAddress: '203.0.113.0', range: 24 }];
    expect(status(runEstChecks(desired, s))['est.outbound-auth']).toBe('pass');
    s.acls[0]!.ipRanges = [{ ipAddress: '203.0.114.0', range: 24 }];
    expect(status(runEstChecks(desired, s))['est.outbound-auth']).toBe('fail');
    s.acls[0] = { ...s.acls[0]!, enabled: false, ipRanges: [{ ipAddress: '203.0.113.10', range: 32 }] };
    expect(status(runEstChecks(desired, s))['est.outbound-auth']).toBe('fail');
    expect(status(runEstChecks(estDesiredFor(spec), healthy()))['est.outbound-auth']).toBe('warn');
  });

  it('digest mode: a linked credential list must hold the user', () => {
    const d = estDesiredFor({ ...spec, auth: { kind: 'digest', username: 'lk01', password: 'x' } });
    const s = healthy();
    expect(status(runEstChecks(d, s))['est.outbound-auth']).toBe('fail');
    s.credentialLists = [{ id: 'C1', name: 'lk', usernames: ['lk01'] }];
    expect(status(runEstChecks(d, s))['est.outbound-auth']).toBe('pass');
  });

  it('DIDs: another trunk fails, provisioning warns, not owned fails', () => {
    const s = healthy();
    s.numbers = [
      { phoneNumber: '+15551230001', trunkId: 'T9', owned: true },
      { phoneNumber: '+15551230002', trunkId: null, owned: true, pending: true },
    ];
    const f = status(runEstChecks(desired, s));
    expect(f['est.did.+15551230001']).toBe('fail');
    expect(f['est.did.+15551230002']).toBe('warn');
    expect(estDrift(desired, s).map((d) => d.actual)).toEqual(['on T9', 'on no trunk']);
    s.numbers = [{ phoneNumber: '+15551230001', trunkId: null, owned: false }];
    expect(status(runEstChecks(desired, s))).toMatchObject({
      'est.did.+15551230001': 'fail',
      'est.did.+15551230002': 'fail',
    });
  });

  it('every warn and fail carries a next step', () => {
    const s: EstSnapshot = { ...healthy(), endpoints: [], acls: [], numbers: [] };
    for (const f of runEstChecks(desired, s)) if (f.status !== 'pass') expect(f.nextStep).toEqual(expect.any(String));
  });

  it('cidrContains', () => {
    expect(cidrContains('10.0.0.0', 8, '10.255.1.2')).toBe(true);
    expect(cidrContains('10.0.0.0', 8, '11.0.0.1')).toBe(false);
    expect(cidrContains('0.0.0.0', 0, '8.8.8.8')).toBe(true);
    expect(cidrContains('203.0.113.10', 32, '203.0.113.11')).toBe(false);
    expect(cidrContains('sip.example.com', 32, '203.0.113.10')).toBe(false);
  });
});
