/**
 * The benchmarks' load generator, in a process of its own so its garbage collection and the bench's
 * other servers (LiveKit emulator, Slack stand-in) do not show up as server latency. Jobs arrive as
 * JSON lines on stdin; each answer is one JSON line on stdout with the wall time and the latencies.
 * Requests go over kept-alive connections (one pool per server) with node:http, which costs the
 * client far less CPU per request than fetch.
 */
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';

export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

export interface LoadJob {
  id: number;
  base: string;
  /** A round-robin client: request i goes to `bases[i % n]` (replicas behind no proxy); unset: `base`. */
  bases?: string[];
  path: string;
  batch: LoadRequest[];
  concurrency: number;
}

export type LoadResult = { id: number; secs: number; lat: number[] } | { id: number; error: string };

const agents = new Map<string, Agent>();

function agentFor(base: string): Agent {
  let a = agents.get(base);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(base, a);
  }
  return a;
}

async function run(job: LoadJob): Promise<{ secs: number; lat: number[] }> {
  const targets = (job.bases ?? [job.base]).map((b) => ({ url: new URL(b), agent: agentFor(b) }));
  const post = (r: LoadRequest, i: number) =>
    new Promise<number>((resolve, reject) => {
      const { url, agent } = targets[i % targets.length]!;
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: job.path,
          agent,
          headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < job.batch.length) {
      const i = next++;
      const r = job.batch[i]!;
      const s = performance.now();
      const status = await post(r, i);
      lat.push(performance.now() - s);
      if (status !== 200) throw new Error(`POST ${job.path}: HTTP ${status}`);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  return { secs: (performance.now() - t0) / 1000, lat: lat.sort((a, b) => a - b) };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const job = JSON.parse(line) as LoadJob;
  run(job).then(
    (r) => process.stdout.write(`${JSON.stringify({ id: job.id, ...r } satisfies LoadResult)}\n`),
    (err: unknown) =>
      process.stdout.write(
        `${JSON.stringify({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies LoadResult)}\n`,
      ),
  );
});
lines.on('close', () => {
  for (const a of agents.values()) a.destroy();
});
