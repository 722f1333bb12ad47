import { DisconnectReason, SIPStatus, SIPStatusCode } from '@livekit/protocol';
import { TwirpError } from './twirp';

/** `sipCodeToGRPCCode` (livekit/protocol `livekit/sip.go`) as Twirp codes, keyed by `SIP_STATUS_<name>`. */
const SIP_TO_TWIRP_BY_NAME: Readonly<Record<string, string>> = {
  MULTIPLE_CHOICES: 'invalid_argument',
  MOVED_PERMANENTLY: 'not_found',
  MOVED_TEMPORARILY: 'not_found',
  USE_PROXY: 'invalid_argument',
  ALTERNATIVE_SERVICE: 'invalid_argument',
  BAD_REQUEST: 'invalid_argument',
  UNAUTHORIZED: 'permission_denied',
  PAYMENT_REQUIRED: 'permission_denied',
  FORBIDDEN: 'permission_denied',
  NOTFOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'invalid_argument',
  NOT_ACCEPTABLE: 'invalid_argument',
  PROXY_AUTH_REQUIRED: 'unauthenticated',
  REQUEST_TIMEOUT: 'deadline_exceeded',
  CONFLICT: 'failed_precondition',
  GONE: 'not_found',
  LENGTH_REQUIRED: 'invalid_argument',
  CONDITIONAL_REQUEST_FAILED: 'failed_precondition',
  REQUEST_ENTITY_TOO_LARGE: 'invalid_argument',
  REQUEST_URI_TOO_LONG: 'invalid_argument',
  UNSUPPORTED_MEDIA_TYPE: 'invalid_argument',
  REQUESTED_RANGE_NOT_SATISFIABLE: 'out_of_range',
  UNKNOWN_RESOURCE_PRIORITY: 'invalid_argument',
  BAD_EXTENSION: 'invalid_argument',
  EXTENSION_REQUIRED: 'invalid_argument',
  SESSION_INTERVAL_TOO_SMALL: 'invalid_argument',
  INTERVAL_TOO_BRIEF: 'invalid_argument',
  BAD_LOCATION_INFORMATION: 'invalid_argument',
  BAD_ALERT_MESSAGE: 'invalid_argument',
  USE_IDENTITY_HEADER: 'unauthenticated',
  PROVIDE_REFERRER_IDENTITY: 'invalid_argument',
  FLOW_FAILED: 'invalid_argument',
  ANONYMITY_DISALLOWED: 'permission_denied',
  BAD_IDENTITY_INFO: 'unauthenticated',
  UNSUPPORTED_CERTIFICATE: 'unauthenticated',
  INVALID_IDENTITY_HEADER: 'unauthenticated',
  FIRST_HOP_LACKS_OUTBOUND_SUPPORT: 'invalid_argument',
  MAX_BREADTH_EXCEEDED: 'resource_exhausted',
  BAD_INFO_PACKAGE: 'invalid_argument',
  CONSENT_NEEDED: 'permission_denied',
  TEMPORARILY_UNAVAILABLE: 'resource_exhausted',
  CALL_TRANSACTION_DOES_NOT_EXISTS: 'not_found',
  LOOP_DETECTED: 'failed_precondition',
  TOO_MANY_HOPS: 'failed_precondition',
  ADDRESS_INCOMPLETE: 'invalid_argument',
  AMBIGUOUS: 'invalid_argument',
  BUSY_HERE: 'resource_exhausted',
  REQUEST_TERMINATED: 'aborted',
  NOT_ACCEPTABLE_HERE: 'invalid_argument',
  BAD_EVENT: 'invalid_argument',
  REQUEST_PENDING: 'aborted',
  UNDECIPHERABLE: 'invalid_argument',
  SECURITY_AGREEMENT_REQUIRED: 'unauthenticated',
  INTERNAL_SERVER_ERROR: 'failed_precondition',
  NOT_IMPLEMENTED: 'failed_precondition',
  BAD_GATEWAY: 'failed_precondition',
  SERVICE_UNAVAILABLE: 'failed_precondition',
  GATEWAY_TIMEOUT: 'deadline_exceeded',
  VERSION_NOT_SUPPORTED: 'invalid_argument',
  MESSAGE_TOO_LARGE: 'invalid_argument',
  GLOBAL_BUSY_EVERYWHERE: 'resource_exhausted',
  GLOBAL_DECLINE: 'permission_denied',
  GLOBAL_DOES_NOT_EXIST_ANYWHERE: 'not_found',
  GLOBAL_NOT_ACCEPTABLE: 'invalid_argument',
  GLOBAL_UNWANTED: 'permission_denied',
  GLOBAL_REJECTED: 'permission_denied',
};

const SIP_TO_TWIRP = new Map<number, string>();
for (const [name, code] of Object.entries(SIP_TO_TWIRP_BY_NAME)) {
  const n = (SIPStatusCode as unknown as Record<string, number | undefined>)[`SIP_STATUS_${name}`];
  if (typeof n === 'number') SIP_TO_TWIRP.set(n, code);
}

/** The Twirp code a failed INVITE with this final SIP status reaches the SDK with (§6). */
export function twirpCodeForSip(code: number): string {
  const c = SIP_TO_TWIRP.get(code);
  if (c) return c;
  if (code < 200) return 'unknown';
  if (code < 500) return 'invalid_argument';
  if (code < 600) return 'failed_precondition';
  return code < 700 ? 'invalid_argument' : 'unknown';
}

/** `classifyInviteError` → participant leave reason when the call fails asynchronously (§6). */
export function disconnectReasonForSip(code: number): DisconnectReason {
  if (code === 404 || code === 408 || code === 480) return DisconnectReason.USER_UNAVAILABLE;
  if (code >= 500 && code < 600) return DisconnectReason.CLIENT_INITIATED;
  return DisconnectReason.USER_REJECTED;
}

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};

export function reasonPhrase(code: number): string {
  return REASON_PHRASES[code] ?? '';
}

const GRPC_CODES: Readonly<Record<string, number>> = {
  canceled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
function lenField(field: number, bytes: Uint8Array): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** base64 `google.rpc.Status{code, message, details:[Any(livekit.SIPStatus)]}` as `xtwirp` puts in `meta.error_details`. */
function errorDetails(grpcCode: number, message: string, st: SIPStatus): string {
  const any = [
    ...lenField(1, new TextEncoder().encode('type.googleapis.com/livekit.SIPStatus')),
    ...lenField(2, st.toBinary()),
  ];
  const status = [
    ...varint((1 << 3) | 0),
    ...varint(grpcCode),
    ...lenField(2, new TextEncoder().encode(message)),
    ...lenField(3, Uint8Array.from(any)),
  ];
  return Buffer.from(Uint8Array.from(status)).toString('base64');
}

/**
 * The Twirp error livekit-server returns for a failed `waitUntilAnswered` call: code per
 * `sipCodeToGRPCCode`, meta `{sip_status_code, sip_status, error_details}` (`SIPStatus.TwirpErrorMeta`).
 */
export function sipCallFailure(code: number, reason?: string): TwirpError {
  const text = reason ?? reasonPhrase(code);
  const st = new SIPStatus({ code: code as SIPStatusCode, status: text });
  const enumName = SIPStatusCode[code] ?? String(code);
  const twirpCode = twirpCodeForSip(code);
  const short = text !== '' ? text : enumName.replace(/^SIP_STATUS_/, '');
  const grpcMessage = `sip status ${code}: ${short}`;
  const msg =
    text !== '' ? `INVITE failed: sip status: ${code}: ${text}` : `INVITE failed: sip status: ${code} (${short})`;
  return new TwirpError(twirpCode, msg, {
    sip_status_code: String(code),
    sip_status: text !== '' ? text : enumName,
    error_details: errorDetails(GRPC_CODES[twirpCode] ?? 2, grpcMessage, st),
  });
}
