/**
 * Pure health checks of a binding's EST side (issue 16 point 5): desired state from the binding, actual
 * state as read from Sinch, findings and drift. No I/O; the caller reads Sinch and passes an `EstSnapshot`.
 */
import type { BindingSpec, BindingTransport } from './binding';
import type { CheckStatus, Finding } from './health-checks';

/** What the binding needs from EST. */
export interface EstDesired {
  trunkDomain: string;
  endpoint: { address: string; port: number; transport: 'UDP' | 'TCP' | 'TLS' };
  /** ACL mode: LiveKit's public egress IP (undefined when not known); digest mode: the user name. */
  auth: { kind: 'acl'; livekitIp?: string } | { kind: 'digest'; username: string };
  dids: string[];
}

/** What EST holds, as read through the Sinch API. `trunk` undefined: no trunk with the binding's domain. */
export interface EstSnapshot {
  trunk?: { id: string; hostName: string; domain?: string | null };
  endpoints: {
    id: string;
    name: string;
    address?: string | null | undefined;
    port?: number | null | undefined;
    transport?: string | null | undefined;
    enabled?: boolean | null | undefined;
  }[];
  /** ACLs linked to the trunk. */
  acls: {
    id: string;
    name: string;
    enabled?: boolean | null;
    ipRanges: { ipAddress: string; range?: number | null }[];
  }[];
  /** Credential lists linked to the trunk, with their user names. */
  credentialLists: { id: string; name: string; usernames: string[] }[];
  /** Each DID of the binding: the trunk it is on (null: none or not owned), and whether a change is still provisioning. */
  numbers: { phoneNumber: string; trunkId: string | null; owned: boolean; pending?: boolean }[];
}

export interface EstDrift {
  what: string;
  desired: string;
  actual: string;
}

const TRANSPORT: Record<BindingTransport, 'UDP' | 'TCP' | 'TLS'> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

export function estDesiredFor(
  spec: Pick<BindingSpec, 'trunkDomain' | 'livekitSipHost' | 'transport' | 'auth' | 'dids'>,
  livekitIp?: string,
): EstDesired {
  return {
    trunkDomain: spec.trunkDomain.toLowerCase(),
    // 5060, or 5061 for TLS (EST test plan: "Typically 5060 (UDP/TCP) or 5061 (TLS)").
    endpoint: {
      address: spec.livekitSipHost.toLowerCase(),
      port: spec.transport === 'tls' ? 5061 : 5060,
      transport: TRANSPORT[spec.transport],
    },
    auth:
      spec.auth.kind === 'acl'
        ? { kind: 'acl', ...(livekitIp ? { livekitIp } : {}) }
        : { kind: 'digest', username: spec.auth.username },
    dids: [...spec.dids],
  };
}

/** The checks in a stable order; `est.trunk.exists` failing makes the trunk-scoped checks moot (not reported). */
export function runEstChecks(desired: EstDesired, actual: EstSnapshot): Finding[] {
  if (!actual.trunk) {
    return [
      fail(
        'est.trunk.exists',
        'EST trunk',
        `no trunk in the Sinch project has the domain ${desired.trunkDomain}`,
        'Create the trunk (or let SIP Ops manage the EST side) with this host name.',
      ),
    ];
  }
  const trunk = actual.trunk;
  return [
    {
      check: 'est.trunk.exists',
      status: 'pass',
      title: 'EST trunk',
      evidence: `${trunk.domain ?? trunk.hostName} (${trunk.id})`,
    },
    ...endpointFindings(desired, actual),
    authFinding(desired, actual),
    ...desired.dids.map((did) => didFinding(did, trunk.id, actual)),
    driftFinding(estDrift(desired, actual)),
  ];
}

function endpointFindings(desired: EstDesired, actual: EstSnapshot): Finding[] {
  const want = desired.endpoint;
  const target = `${want.address}:${want.port}/${want.transport}`;
  const matching = actual.endpoints.filter((e) => pointsAt(e, want));
  if (matching.length === 0) {
    const seen = actual.endpoints.map(describeEndpoint).join(', ') || 'no endpoints';
    return [
      fail(
        'est.endpoint.target',
        'EST endpoint → LiveKit',
        `no endpoint points at ${target}; the trunk has ${seen}`,
        `Point the trunk's static SIP endpoint at ${target}; inbound calls go elsewhere until then.`,
      ),
    ];
  }
  const enabled = matching.some((e) => e.enabled !== false);
  return [
    {
      check: 'est.endpoint.target',
      status: 'pass',
      title: 'EST endpoint → LiveKit',
      evidence: matching.map(describeEndpoint).join(', '),
    },
    enabled
      ? { check: 'est.endpoint.enabled', status: 'pass', title: 'EST endpoint enabled', evidence: 'enabled' }
      : fail(
          'est.endpoint.enabled',
          'EST endpoint enabled',
          `the endpoint for ${target} is disabled`,
          'Enable the endpoint; EST answers 503 to inbound calls with no endpoint up.',
        ),
  ];
}

function authFinding(desired: EstDesired, actual: EstSnapshot): Finding {
  const title = 'EST outbound auth';
  if (desired.auth.kind === 'digest') {
    const user = desired.auth.username;
    const list = actual.credentialLists.find((l) => l.usernames.includes(user));
    return list
      ? {
          check: 'est.outbound-auth',
          status: 'pass',
          title,
          evidence: `user ${user} in credential list ${list.name}, linked to the trunk`,
        }
      : fail(
          'est.outbound-auth',
          title,
          `no credential list linked to the trunk holds the user ${user}`,
          'Link a credential list with this user to the trunk; outbound calls get 401 until then.',
        );
  }
  const ip = desired.auth.livekitIp;
  if (!ip) {
    return {
      check: 'est.outbound-auth',
      status: 'warn',
      title,
      evidence: "LiveKit's public IP is not known, so the ACL cannot be checked",
      nextStep: "Configure LiveKit's public egress IP so the ACL can be checked.",
    };
  }
  const acl = actual.acls.find(
    (a) => a.enabled !== false && a.ipRanges.some((r) => cidrContains(r.ipAddress, r.range ?? 32, ip)),
  );
  return acl
    ? { check: 'est.outbound-auth', status: 'pass', title, evidence: `${ip} allowed by ACL ${acl.name}` }
    : fail(
        'est.outbound-auth',
        title,
        `no enabled ACL linked to the trunk allows ${ip}`,
        `Add ${ip}/32 to an ACL linked to the trunk; outbound calls get 403 until then.`,
      );
}

function didFinding(did: string, trunkId: string, actual: EstSnapshot): Finding {
  const check = `est.did.${did}`;
  const title = `DID ${did} on the trunk`;
  const n = actual.numbers.find((x) => x.phoneNumber === did);
  if (!n || !n.owned)
    return fail(
      check,
      title,
      `${did} is not a number of this Sinch project`,
      'Rent or port the number into the project first.',
    );
  if (n.trunkId === trunkId) return { check, status: 'pass', title, evidence: 'assigned' };
  if (n.pending)
    return {
      check,
      status: 'warn',
      title,
      evidence: 'assignment still provisioning',
      nextStep: 'Wait for Sinch to finish provisioning, then check again.',
    };
  return fail(
    check,
    title,
    n.trunkId ? `on another trunk (${n.trunkId})` : 'on no EST trunk',
    'Assign the number to this trunk; inbound calls to it never reach LiveKit until then.',
  );
}

function driftFinding(drift: EstDrift[]): Finding {
  if (drift.length === 0)
    return { check: 'est.drift', status: 'pass', title: 'EST matches the binding', evidence: 'no drift' };
  return {
    check: 'est.drift',
    status: 'warn',
    title: 'EST matches the binding',
    evidence: drift.map((d) => `${d.what}: want ${d.desired}, have ${d.actual}`).join('; '),
    nextStep: 'Re-apply the binding (or update it) to bring EST back in line.',
  };
}

/** Every way the EST side differs from the binding, field by field. */
export function estDrift(desired: EstDesired, actual: EstSnapshot): EstDrift[] {
  const out: EstDrift[] = [];
  if (!actual.trunk) return [{ what: 'trunk', desired: desired.trunkDomain, actual: 'missing' }];
  const want = desired.endpoint;
  const best = actual.endpoints.find((e) => pointsAt(e, want)) ?? actual.endpoints[0];
  if (!best) out.push({ what: 'endpoint', desired: `${want.address}:${want.port}/${want.transport}`, actual: 'none' });
  else {
    if ((best.address ?? '').toLowerCase() !== want.address)
      out.push({ what: 'endpoint address', desired: want.address, actual: best.address ?? '(none)' });
    if ((best.port ?? 5060) !== want.port)
      out.push({ what: 'endpoint port', desired: String(want.port), actual: String(best.port ?? 5060) });
    if ((best.transport ?? 'UDP').toUpperCase() !== want.transport)
      out.push({ what: 'endpoint transport', desired: want.transport, actual: best.transport ?? 'UDP' });
    if (best.enabled === false) out.push({ what: 'endpoint enabled', desired: 'yes', actual: 'no' });
  }
  for (const did of desired.dids) {
    const n = actual.numbers.find((x) => x.phoneNumber === did);
    if (n?.trunkId !== actual.trunk.id)
      out.push({
        what: `DID ${did}`,
        desired: `on ${actual.trunk.id}`,
        actual: n?.trunkId ? `on ${n.trunkId}` : 'on no trunk',
      });
  }
  return out;
}

function pointsAt(e: EstSnapshot['endpoints'][number], want: EstDesired['endpoint']): boolean {
  return (
    (e.address ?? '').toLowerCase() === want.address &&
    (e.port ?? 5060) === want.port &&
    (e.transport ?? 'UDP').toUpperCase() === want.transport
  );
}

function describeEndpoint(e: EstSnapshot['endpoints'][number]): string {
  return `${e.name} → ${e.address ?? '?'}:${e.port ?? 5060}/${e.transport ?? 'UDP'}${e.enabled === false ? ' (disabled)' : ''}`;
}

/** IPv4 CIDR containment; anything that is not dotted-quad IPv4 never matches. */
export function cidrContains(network: string, prefix: number, ip: string): boolean {
  const a = ipv4(network);
  const b = ipv4(ip);
  if (a === undefined || b === undefined || prefix < 0 || prefix > 32) return false;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

function fail(check: string, title: string, evidence: string, nextStep: string): Finding {
  const status: CheckStatus = 'fail';
  return { check, status, title, evidence, nextStep };
}
