/**
 * Results of the network probes the health checks run (DNS lookups and SIP OPTIONS pings).
 * The probes themselves live at the edge (`src/sip/`, `src/features/health/`); the checks read these shapes.
 */

export type ProbeTransport = 'udp' | 'tcp' | 'tls';

export interface OptionsTarget {
  host: string;
  /** Default 5060 for udp/tcp, 5061 for tls. */
  port?: number;
  transport: ProbeTransport;
}

export type OptionsProbeResult =
  /** Any final SIP response means the peer is reachable (403 is noted by the checks). */
  | { kind: 'response'; status: number; reason: string; rttMs: number; server?: string }
  /** No final response before the deadline (UDP retransmits included). */
  | { kind: 'timeout'; ms: number }
  /** Could not even send: DNS failure, connection refused, TLS handshake failure… */
  | { kind: 'error'; code: string; message: string };

export type DnsProbeResult = { ok: true; addresses: string[] } | { ok: false; code: string; message: string };

/** Sends one SIP OPTIONS request and waits for a final response or the deadline. */
export type OptionsProber = (target: OptionsTarget, opts: { timeoutMs: number }) => Promise<OptionsProbeResult>;

/** Resolves a host name to addresses. */
export type DnsResolver = (host: string) => Promise<DnsProbeResult>;

export function defaultSipPort(transport: ProbeTransport): number {
  return transport === 'tls' ? 5061 : 5060;
}
