/**
 * Every gateway step × every injected fault (issue 16 point 8, client part): each failure is classified and
 * its message names the step (the operation) and the cause; the key secret never appears.
 */
import { SinchError } from '../../../src/sinch/errors';
import type { SinchGateway } from '../../../src/sinch/gateway';
import type { Fault } from '../../support/sinch-emulator';
import { SECRET, startPair, type Pair } from './harness';

type Step = [routeKey: string, call: (gw: SinchGateway) => Promise<unknown>];

const STEPS: Step[] = [
  ['GET /trunks', (g) => g.listTrunks({ domain: 'x.pstn.sinch.com' })],
  ['POST /trunks', (g) => g.createTrunk({ name: 'x', hostName: 'x' })],
  ['PUT /trunks/{id}', (g) => g.updateTrunk('T', { name: 'x', hostName: 'x' })],
  ['DELETE /trunks/{id}', (g) => g.deleteTrunk('T')],
  ['POST /trunks/{id}/endpoints', (g) => g.createEndpoint('T', { name: 'e', address: 'h', priority: 1 })],
  [
    'PUT /trunks/{id}/endpoints/{endpointId}',
    (g) => g.updateEndpoint('T', 'E', { name: 'e', address: 'h', priority: 1 }),
  ],
  [
    'POST /accessControlLists',
    (g) => g.createAcl({ name: 'a', enabled: true, ipRanges: [{ ipAddress: '203.0.113.1' }] }),
  ],
  ['POST /trunks/{id}/accessControlLists', (g) => g.addTrunkAcls('T', ['A'])],
  ['POST /credentialLists', (g) => g.createCredentialList({ name: 'c', credentials: [] })],
  ['PUT /trunks/{id}/credentialLists', (g) => g.replaceTrunkCredentialLists('T', ['C'])],
  ['GET /phoneNumbers/{e164}', (g) => g.getPhoneNumber('+15551230001')],
  ['PATCH /activeNumbers/{e164}', (g) => g.assignNumber('+15551230001', 'T')],
  ['GET /calls', (g) => g.findCalls({ trunkId: 'T' })],
  ['GET /countryPermissions', (g) => g.listCountryPermissions()],
];

/** The emulator's route template → the client's operation name (IDs shown as {id}). */
const operation = (routeKey: string) => routeKey.replace(/\{\w+\}/g, '{id}');

const FAULTS: [Fault, string][] = [
  [{ status: 401 }, 'bad-key'],
  [{ status: 403 }, 'forbidden'],
  [{ status: 404 }, 'not-found'],
  [{ status: 409 }, 'conflict'],
  [{ status: 429, retryAfterSec: 120 }, 'rate-limited'],
  [{ status: 500 }, 'unavailable'],
  [{ hang: true }, 'timeout'],
];

let pair: Pair;
/** A client with a short timeout for the hang cases, its token fetched up front so only the step can hang. */
let quick: Pair['client'];
beforeAll(async () => {
  pair = await startPair({ timeoutMs: 10_000, max5xxRetries: 1 });
  quick = pair.make({ timeoutMs: 250, tokenTimeoutMs: 10_000 });
  await quick.tokens.token();
});
afterAll(async () => {
  await pair.emu.stop();
});
afterEach(() => pair.emu.clearFaults());

describe.each(STEPS)('%s', (routeKey, call) => {
  it.each(FAULTS)('%j → %s, naming the step', async (fault, kind) => {
    pair.emu.failNext(routeKey, { ...fault, ...('status' in fault ? { message: `denied for ${SECRET}` } : {}) }, 3);
    const err = await call(('hang' in fault ? quick : pair.client).gateway).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SinchError);
    const e = err as SinchError;
    expect(e.kind).toBe(kind);
    expect(e.operation).toBe(operation(routeKey));
    expect(e.message).toContain(operation(routeKey));
    expect(e.message).not.toContain(SECRET);
  });
});
