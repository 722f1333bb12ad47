import { SinchProvisioningStuckError } from '../../../src/sinch/errors';
import { waitForNumberOnTrunk } from '../../../src/sinch/provisioning';
import { startPair, type Pair } from './harness';

let pair: Pair;
beforeEach(async () => {
  pair = await startPair({}, { provisioningDelayMs: 20_000 });
});
afterEach(async () => {
  await pair.emu.stop();
});

/** The poller's sleep advances the shared fake clock, so provisioning progresses without real waiting. */
const opts = (maxPolls: number, progress: string[] = []) => ({
  maxPolls,
  intervalMs: 5_000,
  sleep: async (ms: number) => {
    pair.clock.t += ms;
  },
  onProgress: (poll: number, s: { state: string }) => {
    progress.push(`${poll}:${s.state}`);
  },
});

describe('waitForNumberOnTrunk', () => {
  it('polls until the provisioning delay has passed, reporting each poll', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    pair.emu.addOwnedNumber('+15551230001');
    await gw.assignNumber('+15551230001', t.id);
    const progress: string[] = [];
    await waitForNumberOnTrunk(gw, '+15551230001', t.id, opts(10, progress));
    expect(progress).toEqual(['1:pending', '2:pending', '3:pending', '4:pending', '5:assigned']);
  });

  it('a stuck number raises a provisioning-stuck error naming the number, the trunk and the state', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    pair.emu.addOwnedNumber('+15551230002', 'US', { stuck: true });
    await gw.assignNumber('+15551230002', t.id);
    const err = await waitForNumberOnTrunk(gw, '+15551230002', t.id, opts(6)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinchProvisioningStuckError);
    expect((err as Error).message).toBe(
      `Sinch has not finished moving +15551230002 onto trunk ${t.id} after 6 checks (still WAITING)`,
    );
    expect(pair.emu.requests.filter((r) => r === 'GET /activeNumbers/{e164}')).toHaveLength(6);
  });

  it('releasing a number waits until it is on no EST trunk', async () => {
    const gw = pair.client.gateway;
    const t = await gw.createTrunk({ name: 't', hostName: 't' });
    pair.emu.addOwnedNumber('+15551230003');
    await gw.assignNumber('+15551230003', t.id);
    await waitForNumberOnTrunk(gw, '+15551230003', t.id, opts(10));
    await gw.assignNumber('+15551230003', null);
    await waitForNumberOnTrunk(gw, '+15551230003', null, opts(10));
    expect(await gw.listPhoneNumbers({ sipTrunkId: t.id })).toEqual([]);
  });
});
