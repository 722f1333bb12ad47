/**
 * The binding: one Sinch EST trunk hookup wired to three LiveKit resources.
 * Pure data; validation of user input lives in `binding-input.ts`.
 */

export type BindingTransport = 'udp' | 'tcp' | 'tls';

export type OutboundAuth =
  | { kind: 'acl' }
  /** The password is write-only: it is stored for LiveKit, never rendered. */
  | { kind: 'digest'; username: string; password: string };

export type Dispatch =
  | { kind: 'individual'; roomPrefix: string }
  | { kind: 'direct'; roomName: string }
  | { kind: 'callee'; roomPrefix: string };

export interface BindingSpec {
  name: string; // slug
  trunkDomain: string; // FQDN, e.g. acme.pstn.sinch.com
  dids: string[]; // E.164, at least one
  callerId: string; // E.164
  auth: OutboundAuth;
  transport: BindingTransport;
  livekitSipHost: string; // public host EST's static endpoint points at
  dispatch: Dispatch;
  agentName?: string;
  reportChannel: string; // Slack channel ID
  /** Who configures the EST side: SIP Ops through Sinch's API, or the user from the checklist (absent: manual). */
  est?: { side: EstSide };
}

export type EstSide = 'managed' | 'manual';

/** The EST resources a managed binding uses, and which of them it created or linked (only those are ever removed). */
export interface EstResources {
  trunkId?: string;
  trunkCreated?: boolean;
  endpointId?: string;
  endpointCreated?: boolean;
  aclId?: string;
  aclCreated?: boolean;
  aclLinked?: boolean;
  /** The IP the ACL was set up for (to set it up again after an undone removal). */
  aclIp?: string;
  credentialListId?: string;
  credentialListCreated?: boolean;
  credentialListLinked?: boolean;
}

/** The LiveKit resources a binding owns. */
export interface BindingResources {
  inboundTrunkId?: string;
  dispatchRuleId?: string;
  outboundTrunkId?: string;
  /** The EST side when SIP Ops manages it. */
  est?: EstResources;
}

export interface Binding extends BindingSpec {
  /** Identity: assigned at creation, kept through edits, never reused (a re-created name gets a new one). */
  id: string;
  resources: BindingResources;
  version: number;
  createdBy: string;
  createdAt: string; // ISO
  updatedBy: string;
  updatedAt: string; // ISO
}

export const DEFAULT_ROOM_PREFIX = 'est-inbound-';

/** TLS implies SRTP required on both LiveKit trunks ("for EST, TLS and SRTP go together"). */
export function requiresSrtp(spec: Pick<BindingSpec, 'transport'>): boolean {
  return spec.transport === 'tls';
}

/** The EST static endpoint value: `host:5060/UDP`, `host:5060/TCP` or `host:5061/TLS`. */
export function estStaticEndpoint(spec: Pick<BindingSpec, 'livekitSipHost' | 'transport'>): string {
  const port = spec.transport === 'tls' ? 5061 : 5060;
  return `${spec.livekitSipHost}:${port}/${spec.transport.toUpperCase()}`;
}

/** A copy safe to show, log or audit: the digest password is replaced. */
export function redactSpec<T extends BindingSpec>(spec: T): T {
  if (spec.auth.kind !== 'digest') return { ...spec };
  return { ...spec, auth: { kind: 'digest', username: spec.auth.username, password: '[redacted]' } };
}

/** Just the spec of a binding (drops IDs, version and timestamps). */
export function specOf(b: BindingSpec): BindingSpec {
  const spec: BindingSpec = {
    name: b.name,
    trunkDomain: b.trunkDomain,
    dids: [...b.dids],
    callerId: b.callerId,
    auth: { ...b.auth },
    transport: b.transport,
    livekitSipHost: b.livekitSipHost,
    dispatch: { ...b.dispatch },
    reportChannel: b.reportChannel,
  };
  if (b.agentName) spec.agentName = b.agentName;
  if (b.est) spec.est = { ...b.est };
  return spec;
}
