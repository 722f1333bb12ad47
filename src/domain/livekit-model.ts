/**
 * Plain, SDK-free views of the LiveKit SIP resources SIP Ops reads and writes.
 * The LiveKit gateway converts `livekit-server-sdk` messages into these shapes so
 * the core (route matching, checks, drift) never imports the SDK.
 */

export type SipTransport = 'auto' | 'udp' | 'tcp' | 'tls';
export type MediaEncryption = 'disable' | 'allow' | 'require';

export interface InboundTrunk {
  id: string; // ST_…
  name: string;
  metadata: string;
  numbers: string[]; // called numbers (DIDs); empty = wildcard
  allowedAddresses: string[];
  allowedNumbers: string[]; // caller numbers
  hasAuth: boolean; // authUsername set (the password is never read back into the core)
  mediaEncryption: MediaEncryption;
}

export interface OutboundTrunk {
  id: string; // ST_…
  name: string;
  metadata: string;
  address: string; // host[:port], no sip:
  transport: SipTransport;
  numbers: string[]; // From numbers (caller IDs)
  authUsername: string;
  hasAuthPassword: boolean;
  mediaEncryption: MediaEncryption;
  destinationCountry: string;
}

export type DispatchRuleKind =
  | { kind: 'direct'; roomName: string; pin: string }
  | { kind: 'individual'; roomPrefix: string; pin: string; noRandomness: boolean }
  | { kind: 'callee'; roomPrefix: string; pin: string; randomize: boolean };

export interface DispatchRule {
  id: string; // SDR_…
  name: string;
  metadata: string;
  rule: DispatchRuleKind;
  trunkIds: string[]; // empty = all trunks
  inboundNumbers: string[]; // caller numbers filter
  numbers: string[]; // called numbers filter
  hidePhoneNumber: boolean;
  agents: string[]; // roomConfig.agents[].agentName
  attributes: Record<string, string>;
}

/** Everything the checks and the route explainer need, read with one list call each. */
export interface LiveKitSnapshot {
  inboundTrunks: InboundTrunk[];
  outboundTrunks: OutboundTrunk[];
  dispatchRules: DispatchRule[];
}

/** Metadata tag SIP Ops writes on every resource it manages. */
export interface ManagedTag {
  managedBy: 'sip-ops';
  binding: string;
}

export function managedTag(binding: string): string {
  const tag: ManagedTag = { managedBy: 'sip-ops', binding };
  return JSON.stringify(tag);
}

export function parseManagedTag(metadata: string): ManagedTag | undefined {
  if (!metadata) return undefined;
  try {
    const v: unknown = JSON.parse(metadata);
    if (
      typeof v === 'object' &&
      v !== null &&
      (v as Record<string, unknown>).managedBy === 'sip-ops' &&
      typeof (v as Record<string, unknown>).binding === 'string'
    ) {
      return { managedBy: 'sip-ops', binding: (v as Record<string, string>).binding as string };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
