/** Test helpers around the emulator that use the real livekit-server-sdk (receiver side). */
import { ServerError, WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Awaits a promise that must reject with a livekit-server-sdk `ServerError` and returns it. */
export async function serverError(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ServerError) return e;
    throw e;
  }
  throw new Error('expected the call to fail with a ServerError');
}

/**
 * A local webhook endpoint that verifies every POST with the SDK's `WebhookReceiver` (raw body +
 * Authorization header) and answers 200 or 401.
 */
export class WebhookCollector {
  readonly received: WebhookEvent[] = [];
  readonly rejected: string[] = [];
  private server: Server | undefined;
  url = '';

  static async start(apiKey: string, apiSecret: string): Promise<WebhookCollector> {
    const c = new WebhookCollector();
    const receiver = new WebhookReceiver(apiKey, apiSecret);
    c.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('end', () => {
        receiver
          .receive(Buffer.concat(chunks).toString('utf8'), req.headers.authorization)
          .then((ev) => {
            c.received.push(ev);
            res.writeHead(200).end();
          })
          .catch((err: unknown) => {
            c.rejected.push(err instanceof Error ? err.message : String(err));
            res.writeHead(401).end();
          });
      });
    });
    await new Promise<void>((r) => c.server!.listen(0, '127.0.0.1', r));
    c.url = `http://127.0.0.1:${(c.server.address() as AddressInfo).port}/livekit/webhook`;
    return c;
  }

  names(): string[] {
    return this.received.map((e) => e.event);
  }

  clear(): void {
    this.received.length = 0;
    this.rejected.length = 0;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
