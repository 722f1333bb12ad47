/**
 * Pure SIP message helpers for the OPTIONS probe: build the request, parse a response,
 * split a TCP/TLS byte stream into messages (RFC 3261 §7, §18.3 framing by Content-Length).
 * No I/O here.
 */

import { isIP } from 'node:net';

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface OptionsRequestParams {
  transport: SipTransport;
  /** Target host as given (name or IP); used in the Request-URI and To. */
  targetHost: string;
  targetPort: number;
  /** Address/name advertised in Via sent-by, From and Contact. */
  localHost: string;
  localPort: number;
  /** Full branch, must start with the RFC 3261 magic cookie `z9hG4bK`. */
  branch: string;
  callId: string;
  fromTag: string;
  cseq?: number;
  userAgent?: string;
}

export const BRANCH_COOKIE = 'z9hG4bK';

/** RFC 3261 compact header forms (§7.3.3, §20) mapped to their long names, lower-cased. */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  v: 'via',
  i: 'call-id',
  l: 'content-length',
  f: 'from',
  t: 'to',
  m: 'contact',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
};

/** `host` as it must appear in a SIP URI / sent-by: IPv6 literals get brackets. */
export function uriHost(host: string): string {
  return isIP(host) === 6 && !host.startsWith('[') ? `[${host}]` : host;
}

export function buildOptionsRequest(p: OptionsRequestParams): string {
  const target = `${uriHost(p.targetHost)}:${p.targetPort}`;
  const local = uriHost(p.localHost);
  const lines = [
    `OPTIONS sip:${target};transport=${p.transport} SIP/2.0`,
    `Via: SIP/2.0/${p.transport.toUpperCase()} ${local}:${p.localPort};branch=${p.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:sip-ops@${local}>;tag=${p.fromTag}`,
    `To: <sip:${target}>`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq ?? 1} OPTIONS`,
    `Contact: <sip:sip-ops@${local}:${p.localPort};transport=${p.transport}>`,
    'Accept: application/sdp',
    `User-Agent: ${p.userAgent ?? 'sip-ops'}`,
    'Content-Length: 0',
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface SipResponse {
  version: string;
  status: number;
  reason: string;
  /** Lower-cased long header name → values in order of appearance (one entry per header line). */
  headers: Map<string, string[]>;
  body: string;
}

/** Long, lower-cased name for a header name (expands compact forms). */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

/** First value of a header, case-insensitive, compact forms accepted (`getHeader(r, 'v')` = Via). */
export function getHeader(msg: Pick<SipResponse, 'headers'>, name: string): string | undefined {
  return msg.headers.get(canonicalHeaderName(name))?.[0];
}

const STATUS_LINE = /^(SIP\/\d+\.\d+)[ \t]+(\d{3})(?:[ \t]+(.*))?$/;

/**
 * Parses one SIP response (a UDP datagram or a message cut from a stream).
 * Returns undefined when it is not a well-formed response (requests included).
 * The body is cut at Content-Length (bytes) when present; otherwise it is the rest of the input.
 */
export function parseSipResponse(input: Buffer | string): SipResponse | undefined {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const headerEnd = findHeaderEnd(buf, 0);
  const headText = buf.subarray(0, headerEnd === -1 ? buf.length : headerEnd).toString('utf8');
  const bodyStart = headerEnd === -1 ? buf.length : headerEnd + 4;

  const rawLines = headText.split(/\r?\n/);
  const statusLine = rawLines.shift()?.trim() ?? '';
  const m = STATUS_LINE.exec(statusLine);
  if (!m) return undefined;

  const headers = parseHeaderLines(rawLines);
  if (headers === undefined) return undefined;

  let body = buf.subarray(bodyStart);
  const cl = headers.get('content-length')?.[0];
  if (cl !== undefined) {
    const n = parseContentLength(cl);
    if (n === undefined) return undefined;
    body = body.subarray(0, n);
  }
  return { version: m[1]!, status: Number(m[2]), reason: (m[3] ?? '').trim(), headers, body: body.toString('utf8') };
}

function parseHeaderLines(lines: string[]): Map<string, string[]> | undefined {
  // Unfold continuation lines (leading whitespace) into the previous header (RFC 3261 §7.3.1).
  const unfolded: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (/^[ \t]/.test(line)) {
      if (unfolded.length === 0) return undefined;
      unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    } else {
      unfolded.push(line);
    }
  }
  const headers = new Map<string, string[]>();
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = canonicalHeaderName(line.slice(0, colon));
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list) list.push(value);
    else headers.set(name, [value]);
  }
  return headers;
}

function parseContentLength(value: string): number | undefined {
  const v = value.trim();
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Index of the CRLFCRLF that ends the header block, searching from `from`; -1 if not there yet. */
function findHeaderEnd(buf: Buffer, from: number): number {
  return buf.indexOf('\r\n\r\n', from, 'latin1');
}

/** The `branch` parameter of the topmost Via (the first value of the first Via header). */
export function topViaBranch(msg: Pick<SipResponse, 'headers'>): string | undefined {
  const via = getHeader(msg, 'via');
  if (via === undefined) return undefined;
  const first = via.split(',')[0]!;
  const m = /;\s*branch\s*=\s*([^;\s,]+)/i.exec(first);
  return m?.[1];
}

export interface StreamSplit {
  /** Complete messages (header block + Content-Length bytes of body). */
  messages: Buffer[];
  /** Bytes of an incomplete message still to be completed by more data. */
  rest: Buffer;
  /** Set when the stream cannot be framed (header block without a valid Content-Length). */
  error?: string;
}

/** Largest header block accepted before giving up on the stream. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Splits a SIP byte stream (TCP/TLS) into messages using Content-Length (RFC 3261 §18.3).
 * Leading CRLFs (keep-alives, RFC 5626 §3.5.1) are skipped. Content-Length is mandatory on streams;
 * a header block without it is reported as an error.
 */
export function splitSipStream(data: Buffer): StreamSplit {
  const messages: Buffer[] = [];
  let pos = 0;
  for (;;) {
    while (pos + 1 < data.length && data[pos] === 0x0d && data[pos + 1] === 0x0a) pos += 2;
    if (pos < data.length && data[pos] === 0x0a) {
      pos += 1;
      continue;
    }
    const headerEnd = findHeaderEnd(data, pos);
    if (headerEnd === -1) {
      const rest = data.subarray(pos);
      return rest.length > MAX_HEADER_BYTES
        ? { messages, rest, error: 'SIP header block too large' }
        : { messages, rest };
    }
    const headers = parseHeaderLines(data.subarray(pos, headerEnd).toString('utf8').split(/\r?\n/).slice(1));
    const cl = headers?.get('content-length')?.[0];
    const length = cl === undefined ? undefined : parseContentLength(cl);
    if (length === undefined) {
      return { messages, rest: data.subarray(pos), error: 'SIP message on a stream without a valid Content-Length' };
    }
    const end = headerEnd + 4 + length;
    if (end > data.length) return { messages, rest: data.subarray(pos) };
    messages.push(data.subarray(pos, end));
    pos = end;
  }
}
