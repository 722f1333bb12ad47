import { createSinchClient, type SinchClient, type SinchClientOptions } from '../../../src/sinch/client';
import { SinchEmulator } from '../../support/sinch-emulator';

/** An emulator and a client on one fake clock; `sleeps` records every wait the client asked for. */
export interface Pair {
  emu: SinchEmulator;
  client: SinchClient;
  clock: { t: number };
  sleeps: number[];
  make(opts?: SinchClientOptions & { keySecret?: string }): SinchClient;
}

export const SECRET = 'Sup3r-Secret-Key-Value-42';

export async function startPair(
  opts: SinchClientOptions = {},
  emuOpts: { provisioningDelayMs?: number } = {},
): Promise<Pair> {
  const clock = { t: Date.parse('2026-12-01T12:00:00Z') };
  const now = () => clock.t;
  const emu = await new SinchEmulator({ keySecret: SECRET, now, ...emuOpts }).start();
  const sleeps: number[] = [];
  const make = (o: SinchClientOptions & { keySecret?: string } = {}) =>
    createSinchClient(
      {
        credentials: { projectId: emu.projectId, keyId: emu.keyId, keySecret: o.keySecret ?? SECRET },
        estApiUrl: emu.estUrl,
        numbersApiUrl: emu.numbersUrl,
        authUrl: emu.authUrl,
      },
      {
        now,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        timeoutMs: 2_000,
        ...opts,
        ...o,
      },
    );
  return { emu, client: make(), clock, sleeps, make };
}
