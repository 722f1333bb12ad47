export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** A webhook event as livekit-server posts it: camelCase proto-JSON, defaults omitted, enums by name, int64 as strings. */
export interface WebhookEventJson {
  event: string;
  id: string;
  createdAt: string;
  room?: JsonObject;
  participant?: JsonObject;
  track?: JsonObject;
  egressInfo?: JsonObject;
  ingressInfo?: JsonObject;
  job?: JsonObject;
  numDropped?: number;
  roomEndReason?: string;
  [k: string]: JsonValue | undefined;
}

export type CallOutcome =
  /** 200 OK after `afterMs` (default 50); `sip.callStatus` becomes `active`. */
  | { kind: 'answer'; afterMs?: number }
  /** A final SIP status (403, 404, 408, 480, 486, 488, 503, 603 …) after `afterMs` (default 50). */
  | { kind: 'reject'; sipStatus: number; reason?: string; afterMs?: number }
  /**
   * Nobody answers: the ringing timeout elapses. Real time would be `ringingTimeout` (30 s from the SDK);
   * the emulator compresses it to `afterMs` (default 100). Plain 408 `canceled` "sip request timed out".
   */
  | { kind: 'no-answer'; afterMs?: number }
  /** No livekit-sip connected: 503 `unavailable` "no response from servers"; nothing joins. */
  | { kind: 'no-sip-service' }
  /** livekit-sip out of CPU: 503 `unavailable` "cpu exhausted" before anything joins (livekit/sip `pkg/sip/client.go`, `pkg/errors/errors.go`). */
  | { kind: 'sip-cpu-exhausted' }
  /**
   * A network error sending the INVITE: the bridge joined, then leaves with SIP_TRUNK_FAILURE and the RPC
   * fails 503 `unavailable` with the socket error (livekit/sip `pkg/sip/errors.go`: *net.OpError → psrpc Unavailable).
   */
  | { kind: 'network-error'; message?: string };

/**
 * A Twirp error, 'hang' (never answered), 'reset' (socket destroyed), or `{ answerWhen }`: answered as
 * usual once the promise settles (a test decides when LiveKit's answer arrives, e.g. after it locked the database).
 */
export type Fault =
  { code: string; msg: string; meta?: Record<string, string> } | 'hang' | 'reset' | { answerWhen: Promise<unknown> };

export interface InboundCall {
  from: string;
  to: string;
  /** Source IP of the INVITE, matched against `allowedAddresses` (default 127.0.0.1 → not restricted by host). */
  sourceIp?: string;
  /** From host (`sip.hostname`); default `pstn.example`. */
  fromHost?: string;
  /** DTMF PIN the caller enters when the matched rule is PIN-protected. */
  pin?: string;
  /** Agent joining (only when the rule's roomConfig dispatches agents); `'none'` = nobody. */
  agent?: { identity?: string; joinAfterMs: number } | 'none';
  /** How long the call lasts after join/answer (default 100 ms). */
  durationMs?: number;
  /**
   * The caller hangs up only once this resolves (and `durationMs` passed): a test holds a call open until
   * the condition it checks happened (a watchdog's warning, a hold's end), not for a guessed wall time.
   */
  hangUpWhen?: Promise<unknown>;
  /**
   * How the call ends (see `sipLeave` in inbound.ts): `CLIENT_INITIATED` (default, the caller's BYE), `rtp-timeout`,
   * `dropped`, another DisconnectReason name asked by livekit-sip, or `'agent'` = the agent hangs up first.
   */
  hangupReason?: string;
}

export type InboundCallResult =
  | {
      routed: true;
      roomName: string;
      trunkId: string;
      ruleId: string;
      callId: string;
      participantIdentity: string;
      events: WebhookEventJson[];
    }
  | { routed: false; reason: string; trunkId?: string; events: WebhookEventJson[] };

export interface RoomView {
  name: string;
  sid: string;
  metadata: string;
  participants: Array<{
    sid: string;
    identity: string;
    name: string;
    kind: string;
    state: string;
    metadata: string;
    attributes: Record<string, string>;
  }>;
  agentDispatches: Array<{ id: string; agentName: string; metadata: string }>;
}
