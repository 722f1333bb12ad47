/**
 * SIP OPTIONS probe ("SIP ping") over UDP, TCP or TLS (RFC 3261 §11).
 * Sends one OPTIONS request and waits for a final response (>= 200) until the deadline;
 * provisional responses are ignored. UDP retransmits like Timer E (500 ms doubling, capped at 4 s).
 * Every socket and timer is closed before the returned promise settles.
 */

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { defaultSipPort, type OptionsProbeResult, type OptionsProber, type OptionsTarget } from '../domain/probes';
import {
  BRANCH_COOKIE,
  buildOptionsRequest,
  getHeader,
  parseSipResponse,
  splitSipStream,
  topViaBranch,
  type SipResponse,
} from './sip-message';

export interface SendOptionsOptions {
  /** Overall deadline: DNS lookup, connect, handshake and response included. */
  timeoutMs: number;
  /** Host advertised in Via/From/Contact; defaults to the socket's local address. */
  localHost?: string;
  /** TLS only: verify the peer certificate (default true). */
  rejectUnauthorized?: boolean;
  /** TLS only: trusted CA certificates (PEM) instead of the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** RFC 3261 T1 and T2. */
const T1_MS = 500;
const T2_MS = 4000;

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function errorResult(err: unknown, fallbackCode = 'EUNKNOWN'): OptionsProbeResult {
  // Duck-typed: errors from Node internals may come from another realm (e.g. under jest), so no instanceof.
  if (typeof err === 'object' && err !== null) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    return {
      kind: 'error',
      code: typeof code === 'string' && code !== '' ? code : fallbackCode,
      message: typeof message === 'string' ? message.trim() : String(err),
    };
  }
  return { kind: 'error', code: fallbackCode, message: String(err) };
}

interface Probe {
  branch: string;
  callId: string;
  fromTag: string;
}

function responseResult(res: SipResponse, sentAt: number): OptionsProbeResult {
  const rttMs = Math.round((performance.now() - sentAt) * 100) / 100;
  const server = getHeader(res, 'server') ?? getHeader(res, 'user-agent');
  return server === undefined
    ? { kind: 'response', status: res.status, reason: res.reason, rttMs }
    : { kind: 'response', status: res.status, reason: res.reason, rttMs, server };
}

/** A final response to our request: same top Via branch and Call-ID, status >= 200. */
function isOurFinalResponse(res: SipResponse | undefined, probe: Probe): res is SipResponse {
  return (
    res !== undefined &&
    res.status >= 200 &&
    topViaBranch(res) === probe.branch &&
    getHeader(res, 'call-id') === probe.callId
  );
}

/** One probe in flight: what it sends, where, and how it ends (once, releasing its sockets and timers). */
interface Attempt {
  target: OptionsTarget;
  port: number;
  probe: Probe;
  opts: SendOptionsOptions;
  settled: () => boolean;
  finish: (result: OptionsProbeResult) => void;
  onCleanup: (cleanup: () => void) => void;
}

export function sendOptions(target: OptionsTarget, opts: SendOptionsOptions): Promise<OptionsProbeResult> {
  const port = target.port ?? defaultSipPort(target.transport);
  const probe: Probe = {
    branch: `${BRANCH_COOKIE}${randomToken(8)}`,
    callId: randomToken(12),
    fromTag: randomToken(6),
  };

  return new Promise<OptionsProbeResult>((resolve) => {
    let settled = false;
    const cleanups: Array<() => void> = [];
    const attempt: Attempt = {
      target,
      port,
      probe,
      opts,
      settled: () => settled,
      onCleanup: (cleanup) => cleanups.push(cleanup),
      finish: (result) => {
        if (settled) return;
        settled = true;
        for (const c of cleanups.splice(0)) {
          try {
            c();
          } catch {
            // closing an already closed socket: nothing to do
          }
        }
        resolve(result);
      },
    };

    const deadline = setTimeout(() => attempt.finish({ kind: 'timeout', ms: opts.timeoutMs }), opts.timeoutMs);
    attempt.onCleanup(() => clearTimeout(deadline));

    lookup(target.host).then(
      ({ address, family }) => {
        if (settled) return;
        if (target.transport === 'udp') overUdp(attempt, address, family);
        else overStream(attempt, address);
      },
      (err: unknown) => attempt.finish(errorResult(err, 'ENOTFOUND')),
    );
  });
}

function requestText(a: Attempt, localAddress: string, localPort: number): string {
  return buildOptionsRequest({
    transport: a.target.transport,
    targetHost: a.target.host,
    targetPort: a.port,
    localHost: a.opts.localHost ?? localAddress,
    localPort,
    ...a.probe,
  });
}

/** UDP: retransmitted from T1 doubling up to T2 (RFC 3261 §17.1.2.2) until a final response or the deadline. */
function overUdp(a: Attempt, address: string, family: number): void {
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  a.onCleanup(() => socket.close());
  let retransmit: NodeJS.Timeout | undefined;
  a.onCleanup(() => clearTimeout(retransmit));
  let sentAt = 0;

  socket.on('error', (err) => a.finish(errorResult(err)));
  socket.on('message', (msg) => {
    const res = parseSipResponse(msg);
    if (isOurFinalResponse(res, a.probe)) a.finish(responseResult(res, sentAt));
  });
  // A connected socket learns its local address from the route and reports ICMP port unreachable.
  socket.connect(a.port, address, () => {
    if (a.settled()) return;
    const local = socket.address();
    const payload = Buffer.from(requestText(a, local.address, local.port), 'utf8');
    let interval = T1_MS;
    const send = (): void => {
      if (a.settled()) return;
      socket.send(payload, (err) => {
        if (err) a.finish(errorResult(err));
      });
      retransmit = setTimeout(send, interval);
      interval = Math.min(interval * 2, T2_MS);
    };
    sentAt = performance.now();
    send();
  });
}

/** TCP or TLS: one request on a fresh connection, responses framed by Content-Length. */
function overStream(a: Attempt, address: string): void {
  const { target, port, opts } = a;
  const socket: net.Socket =
    target.transport === 'tls'
      ? tls.connect({
          host: address,
          port,
          ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
          rejectUnauthorized: opts.rejectUnauthorized ?? true,
          ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        })
      : net.connect({ host: address, port });
  a.onCleanup(() => socket.destroy());
  let sentAt = 0;
  let pending: Buffer = Buffer.alloc(0);

  socket.on('error', (err) => a.finish(errorResult(err)));
  socket.on('close', () =>
    a.finish({ kind: 'error', code: 'ECONNRESET', message: 'connection closed before a final SIP response' }),
  );
  socket.on(target.transport === 'tls' ? 'secureConnect' : 'connect', () => {
    if (a.settled()) return;
    sentAt = performance.now();
    socket.write(requestText(a, socket.localAddress ?? '0.0.0.0', socket.localPort ?? 0), 'utf8');
  });
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const split = splitSipStream(pending);
    pending = split.rest;
    for (const m of split.messages) {
      const res = parseSipResponse(m);
      if (isOurFinalResponse(res, a.probe)) return a.finish(responseResult(res, sentAt));
    }
    if (split.error !== undefined) a.finish({ kind: 'error', code: 'EPROTO', message: split.error });
  });
}

/** The production OPTIONS prober; `defaults` apply to every probe (e.g. the advertised local host). */
export function createOptionsProber(defaults: Omit<SendOptionsOptions, 'timeoutMs'> = {}): OptionsProber {
  return (target, opts) => sendOptions(target, { ...defaults, ...opts });
}
