/**
 * Plain-English diagnosis of a failed LiveKit call: SIP status first, LiveKit
 * control-plane errors second (landscape-and-failures.md §3; the Sinch guide's
 * Troubleshooting list). Pure: the caller passes the binding's values as context.
 */
import type { LiveKitFailure } from './livekit-failure';

export type DiagnosisSeverity = 'callee' | 'config' | 'network' | 'livekit' | 'unknown';

export interface Diagnosis {
  headline: string;
  cause: string;
  /** 1–4 concrete checks, naming the binding's own values where known. */
  nextSteps: string[];
  severity: DiagnosisSeverity;
}

export interface DiagnosisContext {
  bindingName?: string;
  trunkDomain?: string;
  transport?: string;
  callerId?: string;
  livekitSipHost?: string;
}

const SIP_STATUS: Record<number, [phrase: string, meaning: string]> = {
  100: ['Trying', 'the next hop received the request and is working on it.'],
  180: ['Ringing', 'the callee is being alerted.'],
  181: ['Call Is Being Forwarded', 'the call is being forwarded elsewhere.'],
  182: ['Queued', 'the call is queued until the callee is available.'],
  183: ['Session Progress', 'early media, e.g. a ringback tone or announcement from the network.'],
  200: ['OK', 'the call was answered.'],
  202: ['Accepted', 'the request was accepted for processing (e.g. a transfer).'],
  300: ['Multiple Choices', 'the number resolves to several destinations.'],
  301: ['Moved Permanently', 'the callee moved to another address.'],
  302: ['Moved Temporarily', 'the callee is temporarily at another address.'],
  305: ['Use Proxy', 'the request must go through a given proxy.'],
  380: ['Alternative Service', 'the call failed but alternatives are possible.'],
  400: ['Bad Request', 'the request was malformed (headers, URI or SDP).'],
  401: ['Unauthorized', 'the server wants digest credentials.'],
  402: ['Payment Required', 'the account has no credit or is not allowed to call.'],
  403: ['Forbidden', 'the server understood the call and refuses it (ACL, caller ID or permissions).'],
  404: ['Not Found', 'the dialled number or domain is unknown to the server.'],
  405: ['Method Not Allowed', 'the server does not accept this SIP method.'],
  406: ['Not Acceptable', 'the server cannot produce an acceptable response.'],
  407: ['Proxy Authentication Required', 'the proxy wants digest credentials.'],
  408: ['Request Timeout', 'no final answer arrived in time.'],
  410: ['Gone', 'the number existed once but is no longer in service.'],
  413: ['Request Entity Too Large', 'the request was too large.'],
  414: ['Request-URI Too Long', 'the request URI was too long.'],
  415: ['Unsupported Media Type', 'the message body format is not supported.'],
  416: ['Unsupported URI Scheme', 'the URI scheme (sip:, sips:, tel:) is not supported.'],
  420: ['Bad Extension', 'a required SIP extension is not supported.'],
  421: ['Extension Required', 'the server needs a SIP extension the client did not offer.'],
  423: ['Interval Too Brief', 'the requested expiry is too short.'],
  480: ['Temporarily Unavailable', 'the callee is unreachable right now (phone off, no signal, or capacity).'],
  481: ['Call/Transaction Does Not Exist', 'the request refers to a call the server does not know.'],
  482: ['Loop Detected', 'the request looped back to the server.'],
  483: ['Too Many Hops', 'the request passed through too many proxies.'],
  484: ['Address Incomplete', 'the dialled number is incomplete or badly formatted.'],
  485: ['Ambiguous', 'the dialled address matches several users.'],
  486: ['Busy Here', 'the callee is busy.'],
  487: ['Request Terminated', 'the call was cancelled before it was answered.'],
  488: ['Not Acceptable Here', 'the media offer was refused (codec or SRTP mismatch).'],
  489: ['Bad Event', 'the event package is not supported.'],
  491: ['Request Pending', 'another request on the same dialog is in progress.'],
  493: ['Undecipherable', 'the server could not decrypt the message body.'],
  500: ['Server Internal Error', 'the server hit an internal fault.'],
  501: ['Not Implemented', 'the server does not support the requested feature.'],
  502: ['Bad Gateway', 'a downstream server sent an invalid response.'],
  503: ['Service Unavailable', 'the server is overloaded, in maintenance, or has nowhere to send the call.'],
  504: ['Server Time-out', 'a downstream server did not answer in time.'],
  505: ['Version Not Supported', 'the SIP version is not supported.'],
  513: ['Message Too Large', 'the message was too large for the transport (try TCP).'],
  580: ['Precondition Failure', 'the required media preconditions could not be met.'],
  600: ['Busy Everywhere', 'the callee is busy on every device.'],
  603: ['Decline', 'the callee or the network declined the call.'],
  604: ['Does Not Exist Anywhere', 'the number does not exist.'],
  606: ['Not Acceptable', 'the callee cannot accept this kind of call or media.'],
  607: ['Unwanted', 'the callee marked the call as unwanted.'],
  608: ['Rejected', 'an intermediary (e.g. a spam filter) rejected the call.'],
};

const SIP_CLASS: Record<number, string> = {
  1: 'provisional: the call is in progress.',
  2: 'success.',
  3: 'redirection: the callee is elsewhere.',
  4: 'request failure: the request was refused or cannot be served as sent.',
  5: 'server failure: a server on the path failed.',
  6: 'global failure: the callee refuses the call everywhere.',
};

/** The standard reason phrase, e.g. `Busy Here`; empty for a code the table does not know. */
export function sipReasonPhrase(code: number): string {
  return SIP_STATUS[code]?.[0] ?? '';
}

/** Reason phrase and a one-line meaning, e.g. `486 Busy Here: the callee is busy.` */
export function sipStatusMeaning(code: number): string {
  const known = SIP_STATUS[code];
  if (known) return `${code} ${known[0]}: ${known[1]}`;
  const cls = Number.isInteger(code) && code >= 100 && code <= 699 ? SIP_CLASS[Math.floor(code / 100)] : undefined;
  return cls ? `${code}: ${cls}` : `${code}: not a SIP status code.`;
}

export function diagnose(failure: LiveKitFailure, ctx: DiagnosisContext = {}): Diagnosis {
  const v = values(ctx);
  switch (failure.kind) {
    case 'sip-status':
      return diagnoseSipStatus(failure.sipStatus, failure.reason, v);
    case 'ringing-timeout':
      return diagnoseRingingTimeout(failure.message, v);
    case 'request-timeout':
      return {
        headline: 'LiveKit did not answer in time',
        cause: 'The request to the LiveKit API timed out before LiveKit replied.',
        nextSteps: [
          'Check that LIVEKIT_URL points at the LiveKit server and that it is up (GET /readyz).',
          'Check the network path from SIP Ops to LiveKit (proxy, firewall, TLS termination).',
          'If this was a test call, make sure the request timeout is longer than the ringing timeout.',
        ],
        severity: 'network',
      };
    case 'unreachable':
      return {
        headline: 'LiveKit is unreachable',
        cause: `SIP Ops could not connect to the LiveKit server (${failure.message}).`,
        nextSteps: [
          'Check LIVEKIT_URL (scheme, host and port) and that the LiveKit server is running.',
          'Check DNS and the firewall between SIP Ops and LiveKit.',
        ],
        severity: 'network',
      };
    case 'auth':
      return failure.reason === 'missing-grant'
        ? {
            headline: 'LiveKit token lacks the SIP grant',
            cause:
              'LiveKit accepted the API key but the token does not carry the sip.admin or sip.call permission this call needs.',
            nextSteps: [
              'Make sure SIP Ops signs its tokens with the sip.admin and sip.call grants.',
              'Check that the LIVEKIT_API_KEY in use is allowed to manage SIP on this LiveKit server.',
            ],
            severity: 'config',
          }
        : {
            headline: 'LiveKit rejected the API key',
            cause: 'LiveKit did not accept the API key/secret (or the token, e.g. because of clock skew).',
            nextSteps: [
              'Check LIVEKIT_API_KEY and LIVEKIT_API_SECRET against the keys in livekit.yaml.',
              'Check LIVEKIT_URL points at the server those keys belong to.',
              'Check that the clocks of SIP Ops and LiveKit agree (token times are checked).',
            ],
            severity: 'config',
          };
    case 'not-found':
      return {
        headline: 'LiveKit resource not found',
        cause: `LiveKit does not have the trunk, rule or room this call used (${failure.message}); it was deleted or its ID is stale.`,
        nextSteps: [
          `Run \`/sip-setup show ${v.binding}\` to compare the binding with what exists in LiveKit.`,
          'Check the outbound call uses the outbound trunk ID (an inbound trunk ID gives this error).',
          'If the trunk was deleted outside SIP Ops, update the binding so SIP Ops recreates it.',
        ],
        severity: 'config',
      };
    case 'invalid-argument':
      return diagnoseInvalidArgument(failure.message, v);
    case 'no-sip-service':
      return diagnoseUnavailable(failure.message, v);
    case 'failed-precondition':
      return diagnoseFailedPrecondition(failure.message, v);
    case 'unsupported':
      return {
        headline: 'LiveKit does not support this request',
        cause: 'The server at LIVEKIT_URL does not serve this API: it is too old, or not a LiveKit server.',
        nextSteps: [
          'Check LIVEKIT_URL points at livekit-server (not livekit-sip or a proxy page).',
          'Upgrade livekit-server to a release with the SIP Update APIs.',
        ],
        severity: 'livekit',
      };
    case 'server':
      return diagnoseServer(failure, v);
  }
}

interface Values {
  binding: string;
  domain: string;
  transport: string;
  callerId: string;
  host: string;
  isUdp: boolean;
  isTls: boolean;
}

/**
 * 503 `unavailable` has three causes: no livekit-sip answered the RPC (psrpc "no response from servers"),
 * livekit-sip refused because it is out of CPU (livekit/sip `pkg/errors/errors.go` ErrUnavailable "cpu
 * exhausted", returned by `pkg/sip/client.go` when its health is not OK), or a network error while sending
 * the INVITE (livekit/sip `pkg/sip/errors.go`: a *net.OpError becomes psrpc Unavailable). The message tells
 * them apart when it can; otherwise all three are named.
 */
function diagnoseUnavailable(message: string, v: Values): Diagnosis {
  const three =
    'LiveKit answers "unavailable" when no livekit-sip instance picked up the request, when livekit-sip is out of CPU and refuses new calls, or when livekit-sip hit a network error before its INVITE left.';
  if (/cpu exhausted/i.test(message)) {
    return {
      headline: 'LiveKit SIP is out of CPU',
      cause: `livekit-sip refused the call because its CPU is exhausted ("${message}"). ${three}`,
      nextSteps: [
        'Check the CPU load of the livekit-sip host and how many calls it carries.',
        'Give livekit-sip more CPU or run another instance on the same Redis.',
        'Retry the call once the load drops.',
      ],
      severity: 'livekit',
    };
  }
  if (/\b(dial|write|read) (udp|tcp)|network is unreachable|connection refused|no route to host/i.test(message)) {
    return {
      headline: 'Network error before the INVITE left LiveKit SIP',
      cause: `livekit-sip could not send the INVITE (${message}). ${three}`,
      nextSteps: [
        `Check the LiveKit SIP host can reach ${v.domain} (routing, firewall for outbound SIP 5060 UDP/TCP, 5061 TLS).`,
        `Check ${v.domain} resolves from the LiveKit SIP host to the address you expect.`,
        'Look for the error in `docker logs livekit-sip-1` around the time of the call.',
      ],
      severity: 'network',
    };
  }
  return {
    headline: 'No LiveKit SIP service answered',
    cause: /no response from servers/i.test(message)
      ? `${three} Here the message ("${message}") points at the first: the LiveKit server got the request but no livekit-sip instance picked it up.`
      : `${three} The message ("${message}") does not say which.`,
    nextSteps: [
      'Check that the livekit-sip container/process is running and healthy (its health port answers 200).',
      'Check livekit-sip and livekit-server use the same Redis (address, password, DB).',
      'Check the livekit-sip host is not out of CPU, and look for errors in `docker logs livekit-sip-1`.',
    ],
    severity: 'livekit',
  };
}

function values(ctx: DiagnosisContext): Values {
  const transport = (ctx.transport ?? '').toLowerCase();
  return {
    binding: ctx.bindingName || '<binding>',
    domain: ctx.trunkDomain || 'the EST trunk domain',
    transport: transport ? transport.toUpperCase() : 'the configured transport',
    callerId: ctx.callerId || 'the caller ID',
    host: ctx.livekitSipHost || 'the LiveKit SIP host',
    isUdp: transport === 'udp',
    isTls: transport === 'tls',
  };
}

function statusLabel(code: number, reason: string): string {
  const phrase = sipReasonPhrase(code) || reason;
  return phrase ? `SIP ${code} ${phrase}` : `SIP ${code}`;
}

/** Adds the peer's own reason text when it says more than the standard phrase. */
function withPeerReason(cause: string, code: number, reason: string): string {
  const r = reason.trim();
  if (!r || r === sipReasonPhrase(code) || /^SIP_STATUS_/.test(r)) return cause;
  return `${cause} The far end said: "${r}".`;
}

function diagnoseSipStatus(code: number, reason: string, v: Values): Diagnosis {
  const label = statusLabel(code, reason);
  const d = sipStatusDiagnosis(code, v);
  return { ...d, headline: `${d.headline} (${label})`, cause: withPeerReason(d.cause, code, reason) };
}

function sipStatusDiagnosis(code: number, v: Values): Diagnosis {
  switch (code) {
    case 403:
      return {
        headline: 'Sinch refused the call',
        cause:
          'EST did not accept the call from LiveKit: usually the LiveKit public IP is not in the trunk ACL, or the From domain or caller ID is not accepted on the trunk.',
        nextSteps: [
          `In EST, check the trunk ACL contains the public IP of ${v.host} as a /32.`,
          `Check ${v.callerId} is one of your Sinch DIDs, in +E.164, and accepted as caller ID on the trunk.`,
          `Check the LiveKit outbound trunk address is exactly ${v.domain}.`,
          'Check the destination country is enabled for the EST account (only US/CA by default).',
        ],
        severity: 'config',
      };
    case 401:
    case 407:
      return {
        headline: 'Digest authentication failed',
        cause: 'EST challenged the call for credentials and the ones LiveKit sent (if any) were not accepted.',
        nextSteps: [
          `In EST, check a credential list is linked to the trunk for ${v.domain}.`,
          `Check the username and password on the LiveKit outbound trunk of ${v.binding} match that credential list.`,
          `If EST uses the IP ACL instead, switch ${v.binding} to ACL auth so LiveKit sends no credentials.`,
        ],
        severity: 'config',
      };
    case 404:
    case 484:
      return {
        headline: code === 484 ? 'The dialled number is incomplete' : 'Number or trunk domain not found',
        cause: 'The number was not in a format EST can route, or the call went to the wrong trunk domain.',
        nextSteps: [
          'Dial the number in E.164 with the country code, e.g. +14155550100.',
          `Check the LiveKit outbound trunk address is exactly ${v.domain} (your trunk's own domain).`,
          'Check the destination number exists and is reachable from a normal phone.',
        ],
        severity: 'config',
      };
    case 408:
      return {
        headline: 'No answer from Sinch in time',
        cause:
          'The INVITE got no final response: usually a firewall or port/transport mismatch drops the signalling, or DNS for the trunk domain fails.',
        nextSteps: [
          `Check ${v.domain} resolves from the LiveKit SIP host and that outbound SIP (5060 UDP/TCP, 5061 TLS) is allowed.`,
          v.isUdp
            ? `UDP may be blocked or unreliable: try TCP for ${v.binding} as a test.`
            : `Check EST expects ${v.transport} on the port LiveKit uses.`,
          `Check EST's static endpoint points at ${v.host} and that host's public IP has not changed.`,
        ],
        severity: 'network',
      };
    case 480:
    case 486:
    case 600:
      return {
        headline: code === 480 ? 'The callee is unavailable' : 'The callee is busy',
        cause: 'The far end could not take the call right now; this is usually the destination, not your setup.',
        nextSteps: [
          'Retry once after a short pause, or call an always-answer test line instead of a person.',
          'Space test calls at least 1 second apart: EST allows 1 call per second by default.',
          'If every destination fails the same way, ask Sinch to check the trunk capacity.',
        ],
        severity: 'callee',
      };
    case 603:
      return {
        headline: 'The call was declined',
        cause:
          "The callee declined, or EST rejected the call for exceeding the trunk's call rate (1 call per second by default).",
        nextSteps: [
          'Space test calls at least 1 second apart, and check no other test or monitor dials at the same time.',
          'Use an always-answer test line so a person declining does not look like a failure.',
          'If you need more calls per second, ask Sinch to raise the CPS limit on the trunk.',
        ],
        severity: 'callee',
      };
    case 487:
      return {
        headline: 'The call was cancelled while ringing',
        cause: 'The call was cancelled before it was answered: the ringing timeout ran out or the caller hung up.',
        nextSteps: [
          'Try again and answer sooner, or use an always-answer test line.',
          'If calls are cut before anyone could answer, raise the ringing timeout.',
        ],
        severity: 'callee',
      };
    case 488:
    case 606:
      return {
        headline: 'Media settings were refused',
        cause: 'The far end refused the media offer: no shared codec, or SRTP required on one side only.',
        nextSteps: [
          'Offer G.711 (PCMU/PCMA): telephone networks nearly always accept it.',
          v.isTls
            ? `${v.binding} uses TLS: SRTP must be required on both LiveKit trunks and enabled on the EST side.`
            : `${v.binding} uses ${v.transport}: set media encryption to disabled on both LiveKit trunks; for EST, SRTP only goes with TLS.`,
          'Check the outbound trunk transport matches what EST expects for this trunk.',
        ],
        severity: 'config',
      };
    case 500:
    case 502:
    case 503:
      return {
        headline: code === 503 ? 'Service unavailable on the call path' : 'Server error on the call path',
        cause:
          'A server on the path failed: often the EST trunk has no active endpoint or is in maintenance, or the LiveKit SIP service is unhealthy.',
        nextSteps: [
          `In EST, check the trunk for ${v.domain} has at least one active endpoint pointing at ${v.host}.`,
          'Check the livekit-sip health port answers 200 and its logs show no errors.',
          'Retry once; if it keeps failing, check the Sinch status page or open a ticket with Sinch.',
        ],
        severity: code === 503 ? 'config' : 'unknown',
      };
    case 504:
      return {
        headline: 'A server on the path timed out',
        cause: 'A downstream server (EST or the carrier) did not answer in time.',
        nextSteps: [
          'Retry once; if it repeats, try another destination to see if it is number-specific.',
          `Check ${v.domain} resolves and is reachable from the LiveKit SIP host.`,
        ],
        severity: 'network',
      };
  }
  return genericSipStatus(code, v);
}

function genericSipStatus(code: number, v: Values): Diagnosis {
  const meaning = SIP_STATUS[code]?.[1] ?? SIP_CLASS[Math.floor(code / 100)] ?? 'an unexpected status.';
  const cause = `The far end answered ${code}: ${meaning}`;
  if (code >= 600 && code < 700) {
    return {
      headline: 'The callee refused the call',
      cause,
      nextSteps: [
        'Check the destination number is correct and accepts calls.',
        `Check ${v.callerId} is a valid caller ID that is not flagged as spam.`,
        'Try an always-answer test line to rule out the destination.',
      ],
      severity: 'callee',
    };
  }
  if (code >= 500 && code < 600) {
    return {
      headline: 'Server error on the call path',
      cause,
      nextSteps: [
        'Retry once; if it repeats, check the livekit-sip logs and the Sinch status page.',
        `Check the EST trunk for ${v.domain} has an active endpoint pointing at ${v.host}.`,
      ],
      severity: 'unknown',
    };
  }
  if (code >= 400 && code < 500) {
    return {
      headline: 'The call was rejected',
      cause,
      nextSteps: [
        'Dial the number in E.164 with the country code, e.g. +14155550100.',
        `Check the LiveKit outbound trunk of ${v.binding} (address ${v.domain}, transport ${v.transport}, caller ID ${v.callerId}).`,
        'Check the livekit-sip logs for the full SIP response.',
      ],
      severity: 'config',
    };
  }
  return {
    headline: 'The call failed',
    cause,
    nextSteps: ['Check the livekit-sip logs for the full SIP exchange.'],
    severity: 'unknown',
  };
}

function diagnoseRingingTimeout(message: string, v: Values): Diagnosis {
  const m = /transaction failed to complete \((\d+) intermediate responses?\)/i.exec(message);
  if (m && m[1] === '0') {
    return {
      headline: 'No response from Sinch at all',
      cause:
        'The INVITE never got any response: the signalling is dropped by a firewall, a wrong port/transport, or DNS.',
      nextSteps: [
        `Check ${v.domain} resolves from the LiveKit SIP host and that outbound SIP is allowed by the firewall.`,
        v.isUdp
          ? `UDP may be blocked: try TCP for ${v.binding} as a test.`
          : `Check EST expects ${v.transport} on the port LiveKit uses.`,
        `Check the EST ACL contains the public IP of ${v.host} as a /32 (EST may drop unknown sources silently).`,
      ],
      severity: 'network',
    };
  }
  return {
    headline: 'No answer',
    cause: 'The callee did not pick up before the ringing timeout.',
    nextSteps: [
      'Check the destination number is right and someone (or an always-answer line) is there to answer.',
      'Try again; raise the ringing timeout if the callee needs longer to answer.',
    ],
    severity: 'callee',
  };
}

function diagnoseInvalidArgument(message: string, v: Values): Diagnosis {
  if (/Conflicting inbound SIP Trunks/i.test(message)) {
    return {
      headline: 'A number is already claimed by another trunk',
      cause: `LiveKit refused the inbound trunk because another inbound trunk already receives the same number(s): ${message}`,
      nextSteps: [
        'Find the trunk that holds the number and remove it there, or update that binding instead.',
        `Run \`/sip-setup show ${v.binding}\` to see which DIDs this binding claims.`,
      ],
      severity: 'config',
    };
  }
  if (/Dispatch rule for the same trunk/i.test(message)) {
    return {
      headline: 'A dispatch rule already covers this trunk',
      cause: `LiveKit refused the dispatch rule because another rule has the same trunk, numbers and PIN: ${message}`,
      nextSteps: [
        'Delete or narrow the other dispatch rule, or adopt it with `/sip-setup import`.',
        'Note that two rules for all trunks (no trunk IDs) with the same PIN always conflict.',
      ],
      severity: 'config',
    };
  }
  if (/dns|lookup|no such host/i.test(message)) {
    return {
      headline: 'The trunk address does not resolve',
      cause: `LiveKit could not resolve the outbound trunk address (${message}).`,
      nextSteps: [
        `Check the trunk domain is spelled right: ${v.domain}.`,
        'Check DNS works from the LiveKit SIP host.',
      ],
      severity: 'config',
    };
  }
  return {
    headline: 'LiveKit rejected the request',
    cause: `LiveKit said the request is invalid: ${message}`,
    nextSteps: [
      `Check the values of ${v.binding} (numbers in E.164, trunk address without sip: or a port).`,
      `Run \`/sip-setup show ${v.binding}\` to compare the binding with LiveKit.`,
    ],
    severity: 'config',
  };
}

function diagnoseFailedPrecondition(message: string, v: Values): Diagnosis {
  if (/required auth|no username or password|max auth retr/i.test(message)) {
    const noCreds = /no username or password/i.test(message);
    return {
      headline: noCreds ? 'Sinch wants digest credentials' : 'Digest authentication failed',
      cause: noCreds
        ? 'EST challenged the call for credentials, but the LiveKit outbound trunk has none.'
        : 'EST kept rejecting the digest credentials LiveKit sent.',
      nextSteps: [
        `In EST, check which authentication the trunk for ${v.domain} uses.`,
        `If it uses digest: set ${v.binding} to digest auth with the credential list's username and password.`,
        `If it uses the IP ACL: add the public IP of ${v.host} to the trunk ACL as a /32.`,
      ],
      severity: 'config',
    };
  }
  if (/no numbers on outbound trunk/i.test(message)) {
    return {
      headline: 'The outbound trunk has no caller ID',
      cause: 'The LiveKit outbound trunk has no numbers, so LiveKit has no From number to send.',
      nextSteps: [`Set the caller ID of ${v.binding} (${v.callerId}) so SIP Ops writes it to the outbound trunk.`],
      severity: 'config',
    };
  }
  return {
    headline: 'LiveKit could not place the call',
    cause: `LiveKit refused the call because a precondition failed: ${message}`,
    nextSteps: [
      `Run \`/sip-setup show ${v.binding}\` to check the outbound trunk has an address and a caller ID.`,
      'Check the livekit-sip logs around the time of the call.',
    ],
    severity: 'config',
  };
}

function diagnoseServer(failure: Extract<LiveKitFailure, { kind: 'server' }>, v: Values): Diagnosis {
  if (/sip not connected|redis required/i.test(failure.message)) {
    return {
      headline: 'LiveKit is not connected to SIP',
      cause: 'The LiveKit server runs without Redis, so it cannot talk to livekit-sip.',
      nextSteps: [
        'Configure Redis in livekit.yaml and restart livekit-server.',
        'Check livekit-sip uses the same Redis.',
      ],
      severity: 'livekit',
    };
  }
  const status = failure.httpStatus !== undefined ? `HTTP ${failure.httpStatus}` : 'an error';
  return {
    headline: 'LiveKit returned an error',
    cause: `LiveKit answered with ${status}${failure.twirpCode ? ` (${failure.twirpCode})` : ''}: ${failure.message}`,
    nextSteps: [
      'Retry once; if it repeats, check the livekit-server and livekit-sip logs at that time.',
      `Run \`/sip-setup show ${v.binding}\` to check the binding's LiveKit resources.`,
    ],
    severity: 'livekit',
  };
}
