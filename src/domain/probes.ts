/**
 * The network probes of a health run (DNS lookups and SIP OPTIONS pings): their targets and
 * results, the shapes the checks read. The probes themselves are sent at the edge: the OPTIONS
 * client and the DNS resolver in `src/sip/`, run (deduplicated, bounded) by
 * `src/features/health/run-probes.ts`.
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

/** `{ code, message }` of whatever a probe threw (`fallbackCode` when it carries no code). */
export function probeError(err: unknown, fallbackCode: string): { code: string; message: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' && e.code ? e.code : fallbackCode,
    message: typeof e.message === 'string' ? e.message : String(err),
  };
}
