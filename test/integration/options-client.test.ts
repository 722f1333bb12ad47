import dgram from 'node:dgram';
import net from 'node:net';
import type { OptionsProbeResult, ProbeTransport } from '../../src/domain/probes';
import { createOptionsProber, sendOptions } from '../../src/sip/options-client';
import {
  findKamailio,
  freeTcpPort,
  startKamailio,
  type KamailioInstance,
  type KamailioMode,
} from '../support/kamailio';

const KAMAILIO = findKamailio();
const REQUIRE_KAMAILIO = process.env.REQUIRE_KAMAILIO === '1';

if (KAMAILIO === undefined && !REQUIRE_KAMAILIO) {
  console.warn(
    'kamailio not installed: skipping the kamailio OPTIONS tests (apt-get install -y kamailio; REQUIRE_KAMAILIO=1 makes this fail)',
  );
}

const describeKamailio = KAMAILIO !== undefined || REQUIRE_KAMAILIO ? describe : describe.skip;

describeKamailio(`sendOptions against kamailio (${KAMAILIO ?? 'NOT INSTALLED'})`, () => {
  const peers = new Map<KamailioMode, KamailioInstance>();

  beforeAll(async () => {
    if (KAMAILIO === undefined) {
      throw new Error(
        'REQUIRE_KAMAILIO=1 but kamailio was not found in PATH or /usr/sbin (apt-get install -y kamailio)',
      );
    }
    const modes: KamailioMode[] = ['200', '403', 'silent'];
    const started = await Promise.allSettled(modes.map((m) => startKamailio(m)));
    started.forEach((s, i) => {
      if (s.status === 'fulfilled') peers.set(modes[i]!, s.value);
    });
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }, 30000);

  afterAll(async () => {
    await Promise.all([...peers.values()].map((p) => p.stop()));
  });

  function portOf(mode: KamailioMode, transport: ProbeTransport): number {
    const peer = peers.get(mode);
    if (!peer) throw new Error(`kamailio (${mode}) did not start`);
    return transport === 'udp' ? peer.udpPort : peer.tcpPort;
  }

  describe.each<ProbeTransport>(['udp', 'tcp'])('over %s', (transport) => {
    it('gets 200 OK with a round-trip time and the Server header', async () => {
      const res = await sendOptions(
        { host: '127.0.0.1', port: portOf('200', transport), transport },
        { timeoutMs: 3000 },
      );
      expect(res).toEqual({
        kind: 'response',
        status: 200,
        reason: 'OK',
        rttMs: expect.any(Number),
        server: 'kamailio-test',
      });
      if (res.kind === 'response') expect(res.rttMs).toBeGreaterThanOrEqual(0);
    });

    it('gets 403 Forbidden', async () => {
      const res = await sendOptions(
        { host: '127.0.0.1', port: portOf('403', transport), transport },
        { timeoutMs: 3000 },
      );
      expect(res).toMatchObject({ kind: 'response', status: 403, reason: 'Forbidden' });
    });

    it('times out within the deadline when the peer stays silent', async () => {
      const started = Date.now();
      const res = await sendOptions(
        { host: '127.0.0.1', port: portOf('silent', transport), transport },
        { timeoutMs: 1500 },
      );
      const elapsed = Date.now() - started;
      expect(res).toEqual({ kind: 'timeout', ms: 1500 });
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      // Far below SIP's own transaction timeout (Timer F, 32 s): the deadline ended it, not the transaction.
      expect(elapsed).toBeLessThan(15_000);
    });
  });

  it('works through createOptionsProber', async () => {
    const probe = createOptionsProber();
    const res = await probe({ host: '127.0.0.1', port: portOf('200', 'tcp'), transport: 'tcp' }, { timeoutMs: 3000 });
    expect(res).toMatchObject({ kind: 'response', status: 200 });
  });
});

/** A final or provisional response echoing the request's Via, From, To, Call-ID and CSeq, in compact form. */
function answer(request: string, status: string): string {
  const get = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(request);
    if (!m) throw new Error(`request without ${name}`);
    return m[1]!;
  };
  return [
    `SIP/2.0 ${status}`,
    `v: ${get('Via')};received=127.0.0.1`,
    `f: ${get('From')}`,
    `t: ${get('To')};tag=srv`,
    `i: ${get('Call-ID')}`,
    `CSeq: ${get('CSeq')}`,
    'User-Agent: node-responder',
    'l: 0',
    '',
    '',
  ].join('\r\n');
}

interface Responder {
  port: number;
  received: string[];
  close(): Promise<void>;
}

async function udpResponder(
  onRequest: (req: string, n: number, reply: (s: string) => void) => void,
): Promise<Responder> {
  const sock = dgram.createSocket('udp4');
  const received: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const req = msg.toString('utf8');
    received.push(req);
    onRequest(req, received.length, (s) => sock.send(s, rinfo.port, rinfo.address));
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return { port: sock.address().port, received, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

describe('sendOptions without kamailio', () => {
  let responder: Responder | undefined;
  afterEach(async () => {
    await responder?.close();
    responder = undefined;
  });

  it('reports ECONNREFUSED for a closed TCP port', async () => {
    const port = await freeTcpPort();
    const res = await sendOptions({ host: '127.0.0.1', port, transport: 'tcp' }, { timeoutMs: 3000 });
    expect(res).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
  });

  it('reports ECONNREFUSED for a closed UDP port (ICMP port unreachable)', async () => {
    const closed = await udpResponder(() => undefined);
    await closed.close();
    const res = await sendOptions({ host: '127.0.0.1', port: closed.port, transport: 'udp' }, { timeoutMs: 3000 });
    expect(res).toMatchObject({ kind: 'error', code: 'ECONNREFUSED' });
  });

  it('reports a DNS error for an unknown host', async () => {
    const res = await sendOptions({ host: 'nonexistent.invalid', transport: 'udp' }, { timeoutMs: 5000 });
    expect(res.kind).toBe('error');
    expect((res as Extract<OptionsProbeResult, { kind: 'error' }>).code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('ignores 100 Trying and returns the final response', async () => {
    responder = await udpResponder((req, n, reply) => {
      if (n !== 1) return;
      reply(answer(req, '100 Trying'));
      setTimeout(() => reply(answer(req, '200 OK')), 100);
    });
    const res = await sendOptions({ host: '127.0.0.1', port: responder.port, transport: 'udp' }, { timeoutMs: 3000 });
    expect(res).toMatchObject({ kind: 'response', status: 200, reason: 'OK', server: 'node-responder' });
    if (res.kind === 'response') expect(res.rttMs).toBeGreaterThanOrEqual(90);
  });

  it('ignores responses for another transaction', async () => {
    responder = await udpResponder((req, n, reply) => {
      if (n !== 1) return;
      reply(answer(req.replace(/branch=z9hG4bK\w+/, 'branch=z9hG4bKother'), '500 Wrong Branch'));
      reply(answer(req.replace(/^Call-ID:.*$/m, 'Call-ID: other'), '500 Wrong Call-ID'));
      setTimeout(() => reply(answer(req, '200 OK')), 50);
    });
    const res = await sendOptions({ host: '127.0.0.1', port: responder.port, transport: 'udp' }, { timeoutMs: 3000 });
    expect(res).toMatchObject({ kind: 'response', status: 200 });
  });

  it('retransmits over UDP (Timer E) until answered', async () => {
    responder = await udpResponder((req, n, reply) => {
      if (n === 3) reply(answer(req, '200 OK')); // the 2nd retransmission, ~1.5 s after the first send
    });
    const res = await sendOptions({ host: '127.0.0.1', port: responder.port, transport: 'udp' }, { timeoutMs: 4000 });
    expect(res).toMatchObject({ kind: 'response', status: 200 });
    expect(responder.received).toHaveLength(3);
    expect(new Set(responder.received).size).toBe(1); // retransmissions are byte-identical
    if (res.kind === 'response') expect(res.rttMs).toBeGreaterThanOrEqual(1400);
    const req = responder.received[0]!;
    expect(req).toMatch(/^OPTIONS sip:127\.0\.0\.1:\d+;transport=udp SIP\/2\.0\r\n/);
    expect(req).toMatch(/\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+;rport\r\n/);
  });

  it('times out over UDP with a retransmission schedule of 500 ms doubling', async () => {
    responder = await udpResponder(() => undefined);
    const res = await sendOptions({ host: '127.0.0.1', port: responder.port, transport: 'udp' }, { timeoutMs: 2000 });
    expect(res).toEqual({ kind: 'timeout', ms: 2000 });
    expect(responder.received).toHaveLength(3); // t = 0, 500, 1500 ms; the next would be at 3500 ms
  });

  it('reports a TLS error when the peer does not speak TLS', async () => {
    const server = net.createServer((c) => {
      c.on('error', () => undefined);
      c.once('data', () => c.end('SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const res = await sendOptions({ host: '127.0.0.1', port, transport: 'tls' }, { timeoutMs: 3000 });
      expect(res.kind).toBe('error');
      expect((res as Extract<OptionsProbeResult, { kind: 'error' }>).code).toMatch(/^(ERR_SSL_|EPROTO|ECONNRESET)/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
