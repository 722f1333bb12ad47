/**
 * Host name resolution as the SIP stack would do it: `dns.lookup` (the system resolver), bounded
 * by a timeout. Used by the health run's probes and by the binding form's host check.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { probeError, type DnsProbeResult, type DnsResolver } from '../domain/probes';
import { withTimeout } from '../with-timeout';

/** `dns.lookup` (the system resolver, as the SIP stack would use), bounded by `timeoutMs`. */
export function dnsLookupResolver(timeoutMs = 2000): DnsResolver {
  return async (host) => {
    if (isIP(host)) return { ok: true, addresses: [host] };
    const found = lookup(host, { all: true }).then(
      (addrs): DnsProbeResult => ({ ok: true, addresses: [...new Set(addrs.map((a) => a.address))] }),
      (err: unknown): DnsProbeResult => ({ ok: false, ...probeError(err, 'EDNS') }),
    );
    return withTimeout(found, timeoutMs, (): DnsProbeResult => ({
      ok: false,
      code: 'ETIMEOUT',
      message: `no DNS answer within ${timeoutMs} ms`,
    }));
  };
}
