import { ServerError, SipCallError } from 'livekit-server-sdk';
import type { LiveKitFailure } from '../../../src/domain/livekit-failure';
import { classifyLiveKitError } from '../../../src/livekit/errors';

/** An error with a Node-style `code` and an optional `cause`, as undici and net throw them. */
function netError(message: string, code?: string, cause?: unknown): Error {
  return Object.assign(
    new Error(message, cause === undefined ? undefined : { cause }),
    code === undefined ? {} : { code },
  );
}

describe('classifyLiveKitError: SIP failures', () => {
  it('a SipCallError carries the SIP status, its reason, the Twirp code and the HTTP status', () => {
    const err = new SipCallError('SipCallError', 'twirp error', 503, 'unavailable', {
      sip_status_code: '486',
      sip_status: 'Busy Here',
    });
    expect(classifyLiveKitError(err)).toEqual({
      kind: 'sip-status',
      sipStatus: 486,
      reason: 'Busy Here',
      twirpCode: 'unavailable',
      httpStatus: 503,
      message: err.message,
    });
  });

  it('a SipCallError without a Twirp code or reason leaves them out', () => {
    const err = new SipCallError('SipCallError', 'x', 500, undefined, { sip_status_code: '403' });
    expect(classifyLiveKitError(err)).toEqual({
      kind: 'sip-status',
      sipStatus: 403,
      reason: '',
      httpStatus: 500,
      message: err.message,
    });
  });

  it('a plain ServerError with SIP metadata is a SIP failure too, with its message on one line', () => {
    const err = new ServerError('ServerError', 'sip call\n  failed', 500, 'internal', {
      sip_status_code: '404',
      sip_status: 'Not Found',
    });
    expect(classifyLiveKitError(err)).toEqual({
      kind: 'sip-status',
      sipStatus: 404,
      reason: 'Not Found',
      twirpCode: 'internal',
      httpStatus: 500,
      message: 'sip call failed',
    });
  });

  it('a SIP status that is not a number falls through to the Twirp code', () => {
    expect(
      classifyLiveKitError(new SipCallError('SipCallError', 'x', 503, 'unavailable', { sip_status_code: 'abc' })),
    ).toMatchObject({ kind: 'no-sip-service' });
    expect(
      classifyLiveKitError(new ServerError('ServerError', 'x', 412, 'failed_precondition', { sip_status_code: 'abc' })),
    ).toMatchObject({
      kind: 'failed-precondition',
    });
  });
});

describe('classifyLiveKitError: Twirp errors', () => {
  it('HTTP 401: a JSON Twirp error means a missing grant, anything else bad credentials', () => {
    expect(classifyLiveKitError(new ServerError('ServerError', 'permissions denied', 401, 'unauthenticated'))).toEqual({
      kind: 'auth',
      reason: 'missing-grant',
      message: 'permissions denied',
    });
    expect(classifyLiveKitError(new ServerError('ServerError', 'invalid token', 401))).toEqual({
      kind: 'auth',
      reason: 'bad-credentials',
      message: 'invalid token',
    });
  });

  it.each<[string, number, LiveKitFailure['kind']]>([
    ['canceled', 408, 'ringing-timeout'],
    ['not_found', 404, 'not-found'],
    ['bad_route', 404, 'unsupported'],
    ['invalid_argument', 400, 'invalid-argument'],
    ['malformed', 400, 'invalid-argument'],
    ['out_of_range', 400, 'invalid-argument'],
    ['unavailable', 503, 'no-sip-service'],
    ['failed_precondition', 412, 'failed-precondition'],
    ['deadline_exceeded', 504, 'request-timeout'],
  ])('Twirp code %s (HTTP %i) → %s', (code, status, kind) => {
    expect(classifyLiveKitError(new ServerError('ServerError', 'what LiveKit said', status, code))).toEqual({
      kind,
      message: 'what LiveKit said',
    });
  });

  it('any other code is a server error that keeps the HTTP status and the code', () => {
    expect(classifyLiveKitError(new ServerError('ServerError', 'db down', 500, 'internal'))).toEqual({
      kind: 'server',
      httpStatus: 500,
      twirpCode: 'internal',
      message: 'db down',
    });
    expect(classifyLiveKitError(new ServerError('ServerError', '', 502))).toEqual({
      kind: 'server',
      httpStatus: 502,
      message: 'HTTP 502',
    });
  });

  it('messages become one line of at most 500 characters', () => {
    const failure = classifyLiveKitError(
      new ServerError('ServerError', `  line one\n\tline two ${'x'.repeat(600)}`, 500, 'internal'),
    );
    expect(failure.message.startsWith('line one line two x')).toBe(true);
    expect(failure.message).toHaveLength(500);
  });
});

describe('classifyLiveKitError: transport errors', () => {
  it('a request timeout or abort', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const abort = new DOMException('This operation was aborted', 'AbortError');
    const expected = { kind: 'request-timeout', message: 'LiveKit did not answer before the request timeout' };
    expect(classifyLiveKitError(timeout)).toEqual(expected);
    expect(classifyLiveKitError(abort)).toEqual(expected);
  });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EPIPE',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_CLOSED',
  ])('network code %s → unreachable', (code) => {
    expect(classifyLiveKitError(netError('connect failed', code))).toEqual({
      kind: 'unreachable',
      message: `cannot reach LiveKit (${code})`,
    });
  });

  it("finds the network code in fetch's cause chain, up to three causes deep", () => {
    const deep = new TypeError('fetch failed', {
      cause: netError('a', undefined, netError('b', undefined, netError('c', 'ECONNREFUSED'))),
    });
    expect(classifyLiveKitError(deep)).toEqual({ kind: 'unreachable', message: 'cannot reach LiveKit (ECONNREFUSED)' });
    const tooDeep = netError(
      'x',
      undefined,
      netError('a', undefined, netError('b', undefined, netError('c', undefined, netError('d', 'ECONNREFUSED')))),
    );
    expect(classifyLiveKitError(tooDeep)).toEqual({ kind: 'server', message: 'x' });
  });

  it("fetch's own TypeError without a known code is still unreachable", () => {
    expect(classifyLiveKitError(new TypeError('fetch failed', { cause: netError('odd', 'EWHATEVER') }))).toEqual({
      kind: 'unreachable',
      message: 'cannot reach LiveKit (fetch failed)',
    });
  });

  it('anything else is a server error with its message on one line', () => {
    expect(classifyLiveKitError(netError('strange\nthing', 'EWHATEVER'))).toEqual({
      kind: 'server',
      message: 'strange thing',
    });
    expect(classifyLiveKitError('a thrown string')).toEqual({ kind: 'server', message: 'a thrown string' });
    expect(classifyLiveKitError(undefined)).toEqual({ kind: 'server', message: 'undefined' });
  });
});
