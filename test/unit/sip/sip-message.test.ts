import {
  buildOptionsRequest,
  canonicalHeaderName,
  getHeader,
  parseSipResponse,
  splitSipStream,
  topViaBranch,
  uriHost,
  type OptionsRequestParams,
} from '../../../src/sip/sip-message';

const params: OptionsRequestParams = {
  transport: 'udp',
  targetHost: 'sip.example.com',
  targetPort: 5060,
  localHost: '192.0.2.10',
  localPort: 40000,
  branch: 'z9hG4bKabc123',
  callId: 'call-1',
  fromTag: 'tag1',
};

describe('buildOptionsRequest', () => {
  it('builds an RFC 3261 OPTIONS request', () => {
    const req = buildOptionsRequest(params);
    expect(req.endsWith('\r\n\r\n')).toBe(true);
    const lines = req.split('\r\n');
    expect(lines[0]).toBe('OPTIONS sip:sip.example.com:5060;transport=udp SIP/2.0');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Via: SIP/2.0/UDP 192.0.2.10:40000;branch=z9hG4bKabc123;rport',
        'Max-Forwards: 70',
        'From: <sip:sip-ops@192.0.2.10>;tag=tag1',
        'To: <sip:sip.example.com:5060>',
        'Call-ID: call-1',
        'CSeq: 1 OPTIONS',
        'Contact: <sip:sip-ops@192.0.2.10:40000;transport=udp>',
        'Accept: application/sdp',
        'User-Agent: sip-ops',
        'Content-Length: 0',
      ]),
    );
    expect(req).not.toMatch(/[^\r]\n/);
  });

  it('uses the transport in Via and URI, and brackets IPv6 hosts', () => {
    const req = buildOptionsRequest({
      ...params,
      transport: 'tls',
      targetHost: '2001:db8::1',
      targetPort: 5061,
      localHost: '::1',
    });
    expect(req).toMatch(/^OPTIONS sip:\[2001:db8::1\]:5061;transport=tls SIP\/2\.0\r\n/);
    expect(req).toContain('Via: SIP/2.0/TLS [::1]:40000;branch=z9hG4bKabc123;rport\r\n');
    expect(uriHost('[::1]')).toBe('[::1]');
    expect(uriHost('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('parseSipResponse', () => {
  it('parses the status line, headers case-insensitively and the body by Content-Length', () => {
    const res = parseSipResponse(
      'SIP/2.0 200 OK\r\nVIA: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bKx;rport=5060, SIP/2.0/UDP 5.6.7.8;branch=z9hG4bKy\r\n' +
        'call-id: abc\r\nServer: kamailio\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\nEXTRA',
    );
    expect(res).toBeDefined();
    expect(res!.version).toBe('SIP/2.0');
    expect(res!.status).toBe(200);
    expect(res!.reason).toBe('OK');
    expect(getHeader(res!, 'Call-ID')).toBe('abc');
    expect(getHeader(res!, 'server')).toBe('kamailio');
    expect(topViaBranch(res!)).toBe('z9hG4bKx');
    expect(res!.body).toBe('v=0\r\n');
  });

  it('understands compact header forms', () => {
    const res = parseSipResponse(
      'SIP/2.0 403 Forbidden\r\nv: SIP/2.0/TCP h;branch=z9hG4bKc\r\ni: id-1\r\nl: 0\r\n\r\n',
    );
    expect(res?.status).toBe(403);
    expect(res?.reason).toBe('Forbidden');
    expect(getHeader(res!, 'Via')).toBe('SIP/2.0/TCP h;branch=z9hG4bKc');
    expect(getHeader(res!, 'call-id')).toBe('id-1');
    expect(getHeader(res!, 'i')).toBe('id-1');
    expect(getHeader(res!, 'content-length')).toBe('0');
    expect(canonicalHeaderName('L')).toBe('content-length');
    expect(res?.body).toBe('');
  });

  it('keeps multi-word reasons, unfolds continuation lines and keeps repeated headers in order', () => {
    const res = parseSipResponse(
      'SIP/2.0 100 Trying Hard\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nSubject: one\r\n two\r\n\r\n',
    );
    expect(res?.reason).toBe('Trying Hard');
    expect(res?.headers.get('via')).toEqual(['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
    expect(getHeader(res!, 's')).toBe('one two');
    expect(topViaBranch(res!)).toBe('z9hG4bK1');
  });

  it('accepts a status line without reason phrase and a datagram without Content-Length', () => {
    const res = parseSipResponse(Buffer.from('SIP/2.0 486\r\nCall-ID: x\r\n\r\nbody'));
    expect(res?.status).toBe(486);
    expect(res?.reason).toBe('');
    expect(res?.body).toBe('body');
  });

  it('rejects requests and garbage', () => {
    expect(parseSipResponse(buildOptionsRequest(params))).toBeUndefined();
    expect(parseSipResponse('HTTP/1.1 200 OK\r\n\r\n')).toBeUndefined();
    expect(parseSipResponse('SIP/2.0 20 OK\r\n\r\n')).toBeUndefined();
    expect(parseSipResponse('SIP/2.0 200 OK\r\nno colon here\r\n\r\n')).toBeUndefined();
    expect(parseSipResponse('SIP/2.0 200 OK\r\nContent-Length: abc\r\n\r\n')).toBeUndefined();
    expect(parseSipResponse('')).toBeUndefined();
  });
});

describe('splitSipStream', () => {
  const a = 'SIP/2.0 100 Trying\r\nCall-ID: a\r\nContent-Length: 0\r\n\r\n';
  const b = 'SIP/2.0 200 OK\r\nCall-ID: a\r\nl: 4\r\n\r\nabcd';

  it('splits several messages in one chunk, skipping keep-alive CRLFs', () => {
    const out = splitSipStream(Buffer.from(`\r\n\r\n${a}${b}\r\n`));
    expect(out.messages.map((m) => m.toString())).toEqual([a, b]);
    expect(out.rest.length).toBe(0);
    expect(out.error).toBeUndefined();
    expect(parseSipResponse(out.messages[1]!)?.body).toBe('abcd');
  });

  it('waits for the rest of a message split across chunks', () => {
    const whole = Buffer.from(a + b);
    let pending: Buffer = Buffer.alloc(0);
    const seen: string[] = [];
    for (let i = 0; i < whole.length; i += 7) {
      pending = Buffer.concat([pending, whole.subarray(i, i + 7)]);
      const out = splitSipStream(pending);
      seen.push(...out.messages.map((m) => m.toString()));
      pending = out.rest;
    }
    expect(seen).toEqual([a, b]);
    expect(pending.length).toBe(0);
  });

  it('counts the body in bytes, not characters', () => {
    const body = 'é€';
    const msg = `SIP/2.0 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const out = splitSipStream(Buffer.from(msg + a));
    expect(out.messages).toHaveLength(2);
    expect(parseSipResponse(out.messages[0]!)?.body).toBe(body);
  });

  it('reports a stream message without Content-Length', () => {
    const out = splitSipStream(Buffer.from('SIP/2.0 200 OK\r\nCall-ID: a\r\n\r\n'));
    expect(out.messages).toHaveLength(0);
    expect(out.error).toMatch(/Content-Length/);
  });
});
