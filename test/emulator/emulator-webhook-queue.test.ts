import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSender } from '../support/livekit-emulator/webhooks';

interface Held {
  event: string;
  room: string;
  res: ServerResponse;
}

/** A receiver that holds every POST until the test answers it. */
async function holdingReceiver(): Promise<{ url: string; held: Held[]; arrived: () => Promise<void>; server: Server }> {
  const held: Held[] = [];
  let wake: () => void = () => undefined;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const ev = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; room?: { name: string } };
      held.push({ event: ev.event, room: ev.room?.name ?? '', res });
      wake();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const arrived = (): Promise<void> => new Promise((r) => (wake = r));
  return { url, held, arrived, server };
}

async function until(cond: () => boolean, next: () => Promise<void>): Promise<void> {
  while (!cond()) await next();
}

/** livekit/protocol webhook/resource_url_notifier.go: one ordered queue per resource, sent in the background. */
describe('LiveKit emulator: webhook queue (queued mode, as livekit-server)', () => {
  let rx: Awaited<ReturnType<typeof holdingReceiver>>;
  beforeEach(async () => {
    rx = await holdingReceiver();
  });
  afterEach(async () => {
    for (const h of rx.held) if (!h.res.writableEnded) h.res.writeHead(200).end();
    rx.server.closeAllConnections();
    await new Promise<void>((r) => rx.server.close(() => r()));
  });

  it('returns before delivery; each room in order, rooms in parallel', async () => {
    const s = new WebhookSender('k', 'secretsecretsecretsecretsecretse', rx.url, { mode: 'queued' });
    const next = rx.arrived();
    await s.emit({ event: 'room_started', room: { name: 'a' } });
    await s.emit({ event: 'participant_joined', room: { name: 'a' } });
    await s.emit({ event: 'room_started', room: { name: 'b' } });
    expect(s.sent.map((e) => e.event)).toEqual(['room_started', 'participant_joined', 'room_started']);
    await next;
    // Room a's first event is held: room b's arrives anyway, room a's second waits behind its first.
    await until(
      () => rx.held.length >= 2,
      () => rx.arrived(),
    );
    expect(rx.held.map((h) => `${h.room}:${h.event}`).sort()).toEqual(['a:room_started', 'b:room_started']);
    const second = rx.arrived();
    rx.held
      .find((h) => h.room === 'a')!
      .res.writeHead(200)
      .end();
    await second;
    expect(rx.held.map((h) => `${h.room}:${h.event}`)).toContain('a:participant_joined');
    for (const h of rx.held) if (!h.res.writableEnded) h.res.writeHead(200).end();
    await s.flush();
    expect(s.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
  });

  it('retries a 5xx, then drops the event and moves on to the next of its room', async () => {
    const s = new WebhookSender('k', 'secretsecretsecretsecretsecretse', rx.url, {
      mode: 'queued',
      retries: 1,
      retryWaitMs: 1,
    });
    await s.emit({ event: 'room_started', room: { name: 'a' } });
    await s.emit({ event: 'room_finished', room: { name: 'a' } });
    for (const expected of ['room_started', 'room_started', 'room_finished']) {
      await until(
        () => rx.held.some((h) => !h.res.writableEnded),
        () => rx.arrived(),
      );
      const h = rx.held.find((x) => !x.res.writableEnded)!;
      expect(h.event).toBe(expected);
      h.res.writeHead(expected === 'room_finished' ? 200 : 503).end();
    }
    await s.flush();
    expect(s.deliveries.map((d) => [d.event.event, d.status, d.attempts])).toEqual([
      ['room_started', 503, 2],
      ['room_finished', 200, 1],
    ]);
  });

  it("'inline' mode: emit resolves only once the receiver answered", async () => {
    const s = new WebhookSender('k', 'secretsecretsecretsecretsecretse', rx.url, { mode: 'inline' });
    const next = rx.arrived();
    let done = false;
    const p = s.emit({ event: 'room_started', room: { name: 'a' } }).then(() => (done = true));
    await next;
    expect(done).toBe(false);
    rx.held[0]!.res.writeHead(200).end();
    await p;
    expect(s.deliveries[0]!.status).toBe(200);
  });
});
