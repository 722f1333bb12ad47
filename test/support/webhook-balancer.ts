import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the balancer picks a replica for a LiveKit webhook: `round-robin` sends each request to the
 * next replica (a call's events land on different replicas); `by-room` keeps a room on one replica.
 */
export type BalancePolicy = 'round-robin' | 'by-room';

export interface Delivery {
  replica: number;
  status: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function roomOf(body: string): string {
  try {
    const ev = JSON.parse(body) as { room?: { name?: string } };
    return ev.room?.name ?? '';
  } catch {
    return '';
  }
}

/**
 * A load balancer in front of replicas, for LiveKit's webhooks: forwards each POST, headers and body
 * as they came, to one replica's `/livekit/webhook` and answers with what it answered. A replica
 * that does not answer (killed) gives 502, and livekit-server would deliver the event again.
 */
export class WebhookBalancer {
  private next = 0;
  readonly deliveries: Delivery[] = [];

  private constructor(
    private readonly server: Server,
    private readonly bases: () => string[],
    private readonly policy: BalancePolicy,
  ) {}

  static async start(bases: () => string[], policy: BalancePolicy): Promise<WebhookBalancer> {
    const server = createServer();
    const self = new WebhookBalancer(server, bases, policy);
    server.on(
      'request',
      (req: IncomingMessage, res: ServerResponse) =>
        void self.forward(req).then(({ status, body }) => res.writeHead(status).end(body)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/livekit/webhook`;
  }

  private pick(body: string): number {
    const n = this.bases().length;
    if (this.policy === 'round-robin') return this.next++ % n;
    // Sticky per room, rooms dealt round-robin in the order first seen (a hash of random room names
    // could leave a replica without rooms, and a test that needs all three would fail by chance).
    const room = roomOf(body);
    let replica = this.roomReplica.get(room);
    if (replica === undefined) {
      replica = this.next++ % n;
      this.roomReplica.set(room, replica);
    }
    return replica;
  }

  private readonly roomReplica = new Map<string, number>();

  /** Replicas that did not answer: no longer picked (a load balancer's health check). */
  readonly down = new Set<number>();

  /**
   * Forwards to the replica the policy picks; one that does not answer is marked down and the request
   * goes to the next one, as livekit-server's retry through the load balancer would.
   */
  private async forward(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
    const n = this.bases().length;
    let replica = this.pick(body);
    for (let tries = 0; tries < n; tries++, replica = (replica + 1) % n) {
      if (this.down.has(replica)) continue;
      try {
        const r = await fetch(`${this.bases()[replica]}/livekit/webhook`, { method: 'POST', headers, body });
        this.deliveries.push({ replica, status: r.status });
        if (r.status >= 500) continue;
        return { status: r.status, body: await r.text() };
      } catch {
        this.deliveries.push({ replica, status: 502 });
        this.down.add(replica);
      }
    }
    return { status: 502, body: '' };
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
