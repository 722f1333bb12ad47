import type { LiveKitFailure } from '../../../src/domain/livekit-failure';
import { diagnose, sipReasonPhrase, sipStatusMeaning } from '../../../src/domain/sip-diagnosis';

const ctx = {
  bindingName: 'acme-us',
  trunkDomain: 'acme.pstn.sinch.com',
  transport: 'udp',
  callerId: '+14155550100',
  livekitSipHost: 'sip.example.com',
};

function sip(sipStatus: number, reason = ''): LiveKitFailure {
  return { kind: 'sip-status', sipStatus, reason, httpStatus: 400, message: `INVITE failed: sip status: ${sipStatus}` };
}

describe('diagnose: SIP status first', () => {
  it.each<[number, string, string, string]>([
    [
      403,
      'config',
      'Sinch refused the call (SIP 403 Forbidden)',
      'In EST, check the trunk ACL contains the public IP of sip.example.com as a /32.',
    ],
    [
      401,
      'config',
      'Digest authentication failed (SIP 401 Unauthorized)',
      'In EST, check a credential list is linked to the trunk for acme.pstn.sinch.com.',
    ],
    [
      407,
      'config',
      'Digest authentication failed (SIP 407 Proxy Authentication Required)',
      'In EST, check a credential list is linked to the trunk for acme.pstn.sinch.com.',
    ],
    [
      404,
      'config',
      'Number or trunk domain not found (SIP 404 Not Found)',
      'Dial the number in E.164 with the country code, e.g. +14155550100.',
    ],
    [
      484,
      'config',
      'The dialled number is incomplete (SIP 484 Address Incomplete)',
      'Dial the number in E.164 with the country code, e.g. +14155550100.',
    ],
    [
      408,
      'network',
      'No answer from Sinch in time (SIP 408 Request Timeout)',
      'Check acme.pstn.sinch.com resolves from the LiveKit SIP host and that outbound SIP (5060 UDP/TCP, 5061 TLS) is allowed.',
    ],
    [
      480,
      'callee',
      'The callee is unavailable (SIP 480 Temporarily Unavailable)',
      'Retry once after a short pause, or call an always-answer test line instead of a person.',
    ],
    [
      486,
      'callee',
      'The callee is busy (SIP 486 Busy Here)',
      'Retry once after a short pause, or call an always-answer test line instead of a person.',
    ],
    [
      600,
      'callee',
      'The callee is busy (SIP 600 Busy Everywhere)',
      'Retry once after a short pause, or call an always-answer test line instead of a person.',
    ],
    [
      603,
      'callee',
      'The call was declined (SIP 603 Decline)',
      'Space test calls at least 1 second apart, and check no other test or monitor dials at the same time.',
    ],
    [
      487,
      'callee',
      'The call was cancelled while ringing (SIP 487 Request Terminated)',
      'Try again and answer sooner, or use an always-answer test line.',
    ],
    [
      488,
      'config',
      'Media settings were refused (SIP 488 Not Acceptable Here)',
      'Offer G.711 (PCMU/PCMA): telephone networks nearly always accept it.',
    ],
    [
      606,
      'config',
      'Media settings were refused (SIP 606 Not Acceptable)',
      'Offer G.711 (PCMU/PCMA): telephone networks nearly always accept it.',
    ],
    [
      500,
      'unknown',
      'Server error on the call path (SIP 500 Server Internal Error)',
      'In EST, check the trunk for acme.pstn.sinch.com has at least one active endpoint pointing at sip.example.com.',
    ],
    [
      502,
      'unknown',
      'Server error on the call path (SIP 502 Bad Gateway)',
      'In EST, check the trunk for acme.pstn.sinch.com has at least one active endpoint pointing at sip.example.com.',
    ],
    [
      503,
      'config',
      'Service unavailable on the call path (SIP 503 Service Unavailable)',
      'In EST, check the trunk for acme.pstn.sinch.com has at least one active endpoint pointing at sip.example.com.',
    ],
    [
      504,
      'network',
      'A server on the path timed out (SIP 504 Server Time-out)',
      'Retry once; if it repeats, try another destination to see if it is number-specific.',
    ],
    [
      400,
      'config',
      'The call was rejected (SIP 400 Bad Request)',
      'Dial the number in E.164 with the country code, e.g. +14155550100.',
    ],
    [
      482,
      'config',
      'The call was rejected (SIP 482 Loop Detected)',
      'Dial the number in E.164 with the country code, e.g. +14155550100.',
    ],
    [
      580,
      'unknown',
      'Server error on the call path (SIP 580 Precondition Failure)',
      'Retry once; if it repeats, check the livekit-sip logs and the Sinch status page.',
    ],
    [
      604,
      'callee',
      'The callee refused the call (SIP 604 Does Not Exist Anywhere)',
      'Check the destination number is correct and accepts calls.',
    ],
    [
      608,
      'callee',
      'The callee refused the call (SIP 608 Rejected)',
      'Check the destination number is correct and accepts calls.',
    ],
    [
      499,
      'config',
      'The call was rejected (SIP 499)',
      'Dial the number in E.164 with the country code, e.g. +14155550100.',
    ],
    [
      302,
      'unknown',
      'The call failed (SIP 302 Moved Temporarily)',
      'Check the livekit-sip logs for the full SIP exchange.',
    ],
  ])('SIP %d → %s', (code, severity, headline, firstStep) => {
    const d = diagnose(sip(code), ctx);
    expect(d.severity).toBe(severity);
    expect(d.headline).toBe(headline);
    expect(d.nextSteps[0]).toBe(firstStep);
    expect(d.nextSteps.length).toBeGreaterThanOrEqual(1);
    expect(d.nextSteps.length).toBeLessThanOrEqual(4);
    expect(d.cause).not.toBe('');
  });

  it('403 names the ACL, caller ID, trunk domain and country permissions', () => {
    expect(diagnose(sip(403, 'Forbidden'), ctx)).toEqual({
      headline: 'Sinch refused the call (SIP 403 Forbidden)',
      cause:
        'EST did not accept the call from LiveKit: usually the LiveKit public IP is not in the trunk ACL, or the From domain or caller ID is not accepted on the trunk.',
      nextSteps: [
        'In EST, check the trunk ACL contains the public IP of sip.example.com as a /32.',
        'Check +14155550100 is one of your Sinch DIDs, in +E.164, and accepted as caller ID on the trunk.',
        'Check the LiveKit outbound trunk address is exactly acme.pstn.sinch.com.',
        'Check the destination country is enabled for the EST account (only US/CA by default).',
      ],
      severity: 'config',
    });
  });

  it('401/407 point at the credential list, the outbound trunk and the ACL alternative', () => {
    expect(diagnose(sip(407), ctx).nextSteps).toEqual([
      'In EST, check a credential list is linked to the trunk for acme.pstn.sinch.com.',
      'Check the username and password on the LiveKit outbound trunk of acme-us match that credential list.',
      'If EST uses the IP ACL instead, switch acme-us to ACL auth so LiveKit sends no credentials.',
    ]);
  });

  it('408 suggests TCP when the binding uses UDP, and checks the transport otherwise', () => {
    expect(diagnose(sip(408), ctx).nextSteps[1]).toBe(
      'UDP may be blocked or unreliable: try TCP for acme-us as a test.',
    );
    expect(diagnose(sip(408), { ...ctx, transport: 'tls' }).nextSteps[1]).toBe(
      'Check EST expects TLS on the port LiveKit uses.',
    );
  });

  it('603 and 486 mention the EST 1 call/s limit', () => {
    expect(diagnose(sip(603), ctx).cause).toBe(
      "The callee declined, or EST rejected the call for exceeding the trunk's call rate (1 call per second by default).",
    );
    expect(diagnose(sip(486), ctx).nextSteps[1]).toBe(
      'Space test calls at least 1 second apart: EST allows 1 call per second by default.',
    );
  });

  it('488 asks for SRTP on both trunks with TLS, and none without', () => {
    expect(diagnose(sip(488), { ...ctx, transport: 'tls' }).nextSteps[1]).toBe(
      'acme-us uses TLS: SRTP must be required on both LiveKit trunks and enabled on the EST side.',
    );
    expect(diagnose(sip(488), ctx).nextSteps[1]).toBe(
      'acme-us uses UDP: set media encryption to disabled on both LiveKit trunks; for EST, SRTP only goes with TLS.',
    );
  });

  it("adds the far end's own reason text when it differs from the standard phrase", () => {
    expect(diagnose(sip(404, 'Number not in service'), ctx).cause).toBe(
      'The number was not in a format EST can route, or the call went to the wrong trunk domain. The far end said: "Number not in service".',
    );
    expect(diagnose(sip(486, 'SIP_STATUS_BUSY_HERE'), ctx).cause).toBe(
      'The far end could not take the call right now; this is usually the destination, not your setup.',
    );
    expect(diagnose(sip(499, 'Carrier says no'), ctx).headline).toBe('The call was rejected (SIP 499 Carrier says no)');
  });

  it('falls back to generic words without context', () => {
    expect(diagnose(sip(403)).nextSteps.slice(0, 3)).toEqual([
      'In EST, check the trunk ACL contains the public IP of the LiveKit SIP host as a /32.',
      'Check the caller ID is one of your Sinch DIDs, in +E.164, and accepted as caller ID on the trunk.',
      'Check the LiveKit outbound trunk address is exactly the EST trunk domain.',
    ]);
  });
});

describe('diagnose: control plane', () => {
  it.each<[LiveKitFailure, string, string, string]>([
    [
      { kind: 'auth', reason: 'bad-credentials', message: 'invalid API key' },
      'config',
      'LiveKit rejected the API key',
      'Check LIVEKIT_API_KEY and LIVEKIT_API_SECRET against the keys in livekit.yaml.',
    ],
    [
      { kind: 'auth', reason: 'missing-grant', message: 'permissions denied' },
      'config',
      'LiveKit token lacks the SIP grant',
      'Make sure SIP Ops signs its tokens with the sip.admin and sip.call grants.',
    ],
    [
      { kind: 'not-found', message: 'requested sip trunk does not exist' },
      'config',
      'LiveKit resource not found',
      'Run `/sip-setup show acme-us` to compare the binding with what exists in LiveKit.',
    ],
    [
      { kind: 'no-sip-service', message: 'no response from servers' },
      'livekit',
      'No LiveKit SIP service answered',
      'Check that the livekit-sip container/process is running and healthy (its health port answers 200).',
    ],
    [
      { kind: 'unreachable', message: 'cannot reach LiveKit (ECONNREFUSED)' },
      'network',
      'LiveKit is unreachable',
      'Check LIVEKIT_URL (scheme, host and port) and that the LiveKit server is running.',
    ],
    [
      { kind: 'request-timeout', message: 'LiveKit did not answer' },
      'network',
      'LiveKit did not answer in time',
      'Check that LIVEKIT_URL points at the LiveKit server and that it is up (GET /readyz).',
    ],
    [
      { kind: 'ringing-timeout', message: 'sip request timed out' },
      'callee',
      'No answer',
      'Check the destination number is right and someone (or an always-answer line) is there to answer.',
    ],
    [
      { kind: 'ringing-timeout', message: 'transaction failed to complete (0 intermediate responses)' },
      'network',
      'No response from Sinch at all',
      'Check acme.pstn.sinch.com resolves from the LiveKit SIP host and that outbound SIP is allowed by the firewall.',
    ],
    [
      { kind: 'ringing-timeout', message: 'transaction failed to complete (2 intermediate responses)' },
      'callee',
      'No answer',
      'Check the destination number is right and someone (or an always-answer line) is there to answer.',
    ],
    [
      { kind: 'failed-precondition', message: 'sip server required auth, but no username or password was provided' },
      'config',
      'Sinch wants digest credentials',
      'In EST, check which authentication the trunk for acme.pstn.sinch.com uses.',
    ],
    [
      { kind: 'failed-precondition', message: 'max auth retry attempts reached' },
      'config',
      'Digest authentication failed',
      'In EST, check which authentication the trunk for acme.pstn.sinch.com uses.',
    ],
    [
      { kind: 'failed-precondition', message: 'no numbers on outbound trunk' },
      'config',
      'The outbound trunk has no caller ID',
      'Set the caller ID of acme-us (+14155550100) so SIP Ops writes it to the outbound trunk.',
    ],
    [
      { kind: 'failed-precondition', message: 'something else' },
      'config',
      'LiveKit could not place the call',
      'Run `/sip-setup show acme-us` to check the outbound trunk has an address and a caller ID.',
    ],
    [
      { kind: 'unsupported', message: 'no handler for path' },
      'livekit',
      'LiveKit does not support this request',
      'Check LIVEKIT_URL points at livekit-server (not livekit-sip or a proxy page).',
    ],
    [
      {
        kind: 'invalid-argument',
        message:
          'Conflicting inbound SIP Trunks: "<new>" and "ST_abc", using the same number(s) ["+15550100"] without AllowedNumbers set',
      },
      'config',
      'A number is already claimed by another trunk',
      'Find the trunk that holds the number and remove it there, or update that binding instead.',
    ],
    [
      {
        kind: 'invalid-argument',
        message:
          'Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in dispatch rule "SDR_1" "<blank name>"',
      },
      'config',
      'A dispatch rule already covers this trunk',
      'Delete or narrow the other dispatch rule, or adopt it with `/sip-setup import`.',
    ],
    [
      { kind: 'invalid-argument', message: 'lookup acme.pstn.sinch.con: no such host' },
      'config',
      'The trunk address does not resolve',
      'Check the trunk domain is spelled right: acme.pstn.sinch.com.',
    ],
    [
      { kind: 'invalid-argument', message: 'missing sip callee number' },
      'config',
      'LiveKit rejected the request',
      'Check the values of acme-us (numbers in E.164, trunk address without sip: or a port).',
    ],
    [
      { kind: 'server', httpStatus: 500, twirpCode: 'internal', message: 'sip not connected (redis required)' },
      'livekit',
      'LiveKit is not connected to SIP',
      'Configure Redis in livekit.yaml and restart livekit-server.',
    ],
    [
      { kind: 'server', httpStatus: 500, twirpCode: 'internal', message: 'boom' },
      'livekit',
      'LiveKit returned an error',
      'Retry once; if it repeats, check the livekit-server and livekit-sip logs at that time.',
    ],
  ])('%j', (failure, severity, headline, firstStep) => {
    const d = diagnose(failure, ctx);
    expect([d.severity, d.headline, d.nextSteps[0]]).toEqual([severity, headline, firstStep]);
    expect(d.nextSteps.length).toBeGreaterThanOrEqual(1);
    expect(d.nextSteps.length).toBeLessThanOrEqual(4);
  });

  it('missing grant vs bad credentials name the right settings', () => {
    expect(diagnose({ kind: 'auth', reason: 'bad-credentials', message: '' }).cause).toBe(
      'LiveKit did not accept the API key/secret (or the token, e.g. because of clock skew).',
    );
    expect(diagnose({ kind: 'auth', reason: 'missing-grant', message: '' }).cause).toBe(
      'LiveKit accepted the API key but the token does not carry the sip.admin or sip.call permission this call needs.',
    );
  });

  it('no-sip-service asks about livekit-sip and the shared Redis', () => {
    expect(diagnose({ kind: 'no-sip-service', message: 'no response from servers' }).nextSteps[1]).toBe(
      'Check livekit-sip and livekit-server use the same Redis (address, password, DB).',
    );
  });

  it('not-found without a binding name uses a placeholder', () => {
    expect(diagnose({ kind: 'not-found', message: 'x' }).nextSteps[0]).toBe(
      'Run `/sip-setup show <binding>` to compare the binding with what exists in LiveKit.',
    );
  });

  it('a server error quotes status and code', () => {
    expect(diagnose({ kind: 'server', httpStatus: 502, twirpCode: 'unknown', message: 'bad gateway' }).cause).toBe(
      'LiveKit answered with HTTP 502 (unknown): bad gateway',
    );
    expect(diagnose({ kind: 'server', message: 'weird' }).cause).toBe('LiveKit answered with an error: weird');
  });
});

describe('sipStatusMeaning', () => {
  it.each([
    [100, '100 Trying: the next hop received the request and is working on it.'],
    [180, '180 Ringing: the callee is being alerted.'],
    [183, '183 Session Progress: early media, e.g. a ringback tone or announcement from the network.'],
    [200, '200 OK: the call was answered.'],
    [302, '302 Moved Temporarily: the callee is temporarily at another address.'],
    [403, '403 Forbidden: the server understood the call and refuses it (ACL, caller ID or permissions).'],
    [407, '407 Proxy Authentication Required: the proxy wants digest credentials.'],
    [486, '486 Busy Here: the callee is busy.'],
    [488, '488 Not Acceptable Here: the media offer was refused (codec or SRTP mismatch).'],
    [503, '503 Service Unavailable: the server is overloaded, in maintenance, or has nowhere to send the call.'],
    [603, '603 Decline: the callee or the network declined the call.'],
    [199, '199: provisional: the call is in progress.'],
    [299, '299: success.'],
    [399, '399: redirection: the callee is elsewhere.'],
    [499, '499: request failure: the request was refused or cannot be served as sent.'],
    [599, '599: server failure: a server on the path failed.'],
    [699, '699: global failure: the callee refuses the call everywhere.'],
    [99, '99: not a SIP status code.'],
    [700, '700: not a SIP status code.'],
    [486.5, '486.5: not a SIP status code.'],
  ])('%d', (code, expected) => {
    expect(sipStatusMeaning(code)).toBe(expected);
  });

  it('sipReasonPhrase', () => {
    expect(sipReasonPhrase(480)).toBe('Temporarily Unavailable');
    expect(sipReasonPhrase(499)).toBe('');
  });
});
