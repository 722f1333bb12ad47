/**
 * A Sinch project behind one HTTP server: EST API (`/v1/projects/{projectId}/…`), Numbers API
 * (`/v1/projects/{projectId}/activeNumbers/…`) and OAuth (`/oauth2/token`), so `estUrl`, `numbersUrl` and
 * `authUrl` are the same base. Failure and latency injection per route key ("METHOD /template", the same
 * names the client uses in its errors, e.g. "GET /trunks/{id}"). The clock is injectable (`now`).
 *
 * Sources: Sinch's EST OpenAPI as mirrored in api-evangelist/sinch at commit cc26b0a7
 * (`openapi/_original/sinch-elastic-sip-trunking-api-openapi.yaml`; the repository's newest snapshot holds only
 * `sinch-elastic-sip-trunking-openapi.yml`, a third-party rewrite with other paths, not used), and the SDK tests
 * in sinch/sinch-sdk-node (`packages/elastic-sip-trunking/tests/rest/v1/**`, `packages/numbers/tests/rest/v1/**`).
 * Where they disagree the SDK's tests win: list key `trunks` (spec `sipTrunks`), endpoint create answers one
 * object (spec: a list), trunk domain `.pstn.sinch.com` (spec example `.elastic-sip.sinch.com`), the trunk
 * credential-list PUT body `{credentialListIds}` (spec: a bare array, also accepted), lowercase call direction.
 */
import { TokenStore } from './auth';
import { EmulatorServer, type Fault } from './http';
import { aclRoutes } from './routes-acl';
import { callRoutes } from './routes-calls';
import { numberRoutes, settle } from './routes-numbers';
import { trunkRoutes } from './routes-trunks';
import { SinchState, type CallRecord, type OwnedNumber } from './state';

/** What `loopbackRoute` answers (the shape of the LiveKit emulator's `LoopbackBreakage`, without importing it). */
export type LoopbackRouting = { kind: 'none' } | { kind: 'drop'; sipStatus: number; reason: string };

export interface SinchEmulatorOptions {
  projectId?: string;
  keyId?: string;
  keySecret?: string;
  tokenTtlSec?: number;
  /** Milliseconds a Numbers API assignment stays WAITING (0: done on the next read). */
  provisioningDelayMs?: number;
  now?: () => number;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

export class SinchEmulator {
  readonly projectId: string;
  readonly keyId: string;
  readonly keySecret: string;
  readonly state: SinchState;
  readonly tokens: TokenStore;
  /** Route keys in the order they were called. */
  readonly requests: string[] = [];
  provisioningDelayMs: number;
  tokenTtlSec: number;
  private readonly faults = new Map<string, QueuedFault[]>();
  private readonly latency = new Map<string, number>();
  private server: EmulatorServer | undefined;
  private base = '';

  constructor(opts: SinchEmulatorOptions = {}) {
    this.projectId = opts.projectId ?? 'emulated-project';
    this.keyId = opts.keyId ?? 'emulated-key-id';
    this.keySecret = opts.keySecret ?? 'emulated-key-secret';
    this.provisioningDelayMs = opts.provisioningDelayMs ?? 0;
    this.tokenTtlSec = opts.tokenTtlSec ?? 3600; // expires_in 3600 (sinch/sinch-plugins authentication SKILL.md)
    const now = opts.now ?? Date.now;
    this.state = new SinchState(this.projectId, now);
    this.tokens = new TokenStore({ keyId: this.keyId, keySecret: this.keySecret, ttlSec: () => this.tokenTtlSec, now });
  }

  async start(): Promise<this> {
    const clock = { delayMs: () => this.provisioningDelayMs };
    const routes = [
      this.tokens.route(),
      ...trunkRoutes(this.state),
      ...aclRoutes(this.state),
      ...numberRoutes(this.state, clock),
      ...callRoutes(this.state),
    ];
    this.server = new EmulatorServer(routes, {
      projectId: this.projectId,
      checkBearer: (a) => this.tokens.check(a),
      takeFault: (k) => this.takeFault(k),
      latencyMs: (k) => this.latency.get(k) ?? this.latency.get('*') ?? 0,
      record: (k) => this.requests.push(k),
    });
    this.base = await this.server.listen();
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  get estUrl(): string {
    return this.base;
  }
  get numbersUrl(): string {
    return this.base;
  }
  get authUrl(): string {
    return this.base;
  }

  /** The next `times` calls of `routeKey` ("POST /trunks", or "*" for every route) fail with `fault`. */
  failNext(routeKey: string, fault: Fault, times = 1): void {
    const q = this.faults.get(routeKey) ?? [];
    q.push({ fault, remaining: times });
    this.faults.set(routeKey, q);
  }

  /** Adds `ms` before every answer of `routeKey` ("*" for all routes); 0 removes it. */
  setLatency(routeKey: string, ms: number): void {
    if (ms > 0) this.latency.set(routeKey, ms);
    else this.latency.delete(routeKey);
  }

  clearFaults(): void {
    this.faults.clear();
    this.latency.clear();
  }

  /** The project owns `e164` (as if rented through the Numbers API), on no trunk. */
  addOwnedNumber(e164: string, regionCode = 'US', opts: { stuck?: boolean } = {}): OwnedNumber {
    const n: OwnedNumber = {
      id: this.state.newId('num'),
      phoneNumber: e164,
      regionCode,
      voice: { type: 'RTC', trunkId: '', appId: '', lastUpdatedTime: null },
      createTime: this.state.isoNow(),
      ...(opts.stuck ? { stuck: true } : {}),
    };
    this.state.numbers.set(e164, n);
    return n;
  }

  /** Marks a number's provisioning as never completing (true) or lets it finish (false). */
  setStuck(e164: string, stuck: boolean): void {
    const n = this.state.numbers.get(e164);
    if (!n) throw new Error(`emulator: ${e164} is not owned`);
    n.stuck = stuck;
    if (!stuck) settle(this.state, n, { delayMs: () => this.provisioningDelayMs });
  }

  /**
   * How EST routes a call to one of the project's numbers, for the LiveKit emulator's loopback
   * (`LoopbackOptions.route`): to the EST trunk the number is assigned to (Numbers API
   * `voiceConfiguration` type EST with its `trunkId`), then to that trunk's enabled endpoints in
   * priority order (EST API: SIP endpoints of a trunk). A number on no EST trunk, or a trunk whose
   * first enabled endpoint is not `sipHost`, does not come back: the caller gets a final status
   * and EST's call history holds a FAILED inbound record. Numbers the project does not own are not
   * EST's to route: left alone (`none`).
   */
  loopbackRoute(sipHost: string): (call: { from: string; to: string }) => LoopbackRouting {
    return ({ from, to }) => {
      const n = this.state.numbers.get(to);
      if (!n) return { kind: 'none' };
      const fail = (trunkId: string, sipStatus: number, reason: string): LoopbackRouting => {
        this.addCall({
          from,
          to,
          direction: 'inbound',
          callResult: 'FAILED',
          createTime: this.state.isoNow(),
          durationSeconds: 0,
          trunkId,
        });
        return { kind: 'drop', sipStatus, reason };
      };
      const trunk = n.voice.type === 'EST' ? this.state.trunks.get(n.voice.trunkId) : undefined;
      if (!trunk) return fail('', 404, 'Not Found');
      const [first] = [...this.state.endpoints.values()]
        .filter((e) => e.sipTrunkId === trunk.id && e.enabled)
        .sort((a, b) => a.priority - b.priority);
      if (first?.address !== sipHost) return fail(trunk.id, 480, 'Temporarily Unavailable');
      return { kind: 'none' };
    };
  }

  /** A CDR in EST's call history. */
  addCall(call: Omit<CallRecord, 'projectId' | 'callId' | 'billingDurationSeconds'> & { callId?: string }): CallRecord {
    const c: CallRecord = {
      callId: call.callId ?? this.state.newId('call'),
      billingDurationSeconds: Math.ceil(call.durationSeconds / 60) * 60,
      projectId: this.projectId,
      ...call,
    };
    this.state.calls.push(c);
    return c;
  }

  private takeFault(key: string): Fault | undefined {
    for (const k of [key, '*']) {
      const q = this.faults.get(k);
      const head = q?.[0];
      if (!q || !head) continue;
      head.remaining--;
      if (head.remaining <= 0) q.shift();
      return head.fault;
    }
    return undefined;
  }
}
