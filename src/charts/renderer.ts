/**
 * Chart rendering off the caller's thread (issue 19): a warm worker thread, bounded in time (a
 * render that overruns `timeoutMs` terminates the worker) and in memory (`resourceLimits` on the
 * worker's V8 heaps). Every failure comes back as a typed error; `render` never rejects.
 *
 * Renders are queued one at a time (charts are rare: the daily summary, a button press). The
 * worker is started on first use, is `unref`'d while idle so it never keeps the process alive,
 * is terminated after `idleMs` without work (an idle process holds no chart memory), and is
 * restarted after a crash or overrun.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Trends } from '../domain/trends';
import type { RenderOptions } from './render-core';
import type { RenderReply, RenderRequest } from './render-worker';

export type ChartErrorKind = 'timeout' | 'out-of-memory' | 'render-failed' | 'worker-crashed' | 'closed';
export interface ChartError {
  kind: ChartErrorKind;
  message: string;
}
export type Result<T, E = ChartError> = { ok: true; value: T } | { ok: false; error: E };

export interface ChartImage {
  png: Buffer;
  width: number;
  height: number;
  /** Time spent rendering inside the worker. */
  renderMs: number;
  /** Only with `withSvg`. */
  svg?: string;
}

export interface ChartRendererOptions {
  /** Per render, from when it reaches the worker. Default 10 s. */
  timeoutMs?: number;
  /** V8 old-generation limit of the worker. Default 96 MB (a 50 × 30 render peaks near 30 MB of heap). */
  maxHeapMb?: number;
  /** The worker is terminated after this long without a render (its memory returned); the next render starts it again. Default 60 s. */
  idleMs?: number;
}

/** Small semi-spaces: more frequent scavenges, a much lower RSS peak (the heap is mostly short-lived strings). */
const YOUNG_GENERATION_MB = 4;

interface Job {
  req: Omit<RenderRequest, 'id'>;
  resolve: (r: Result<ChartImage>) => void;
}

/** The worker entry: compiled JS in production; the TypeScript source through tsx in tests and scripts. */
function workerScript(): { code: string; entry: string; ts: boolean } {
  const js = join(__dirname, 'render-worker.js');
  const ts = !existsSync(js);
  const entry = ts ? join(__dirname, 'render-worker.ts') : js;
  const code = `${ts ? "require('tsx/cjs/api').register();" : ''} require(${JSON.stringify(entry)});`;
  return { code, entry, ts };
}

export class ChartRenderer {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: { id: number; job: Job; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(opts: ChartRendererOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxHeapMb = opts.maxHeapMb ?? 96;
    this.idleMs = opts.idleMs ?? 60_000;
  }

  /** True while a worker thread exists (tests and the bench). */
  get workerRunning(): boolean {
    return this.worker !== undefined;
  }

  render(trends: Trends, opts: RenderOptions = {}, withSvg = false): Promise<Result<ChartImage>> {
    if (this.closed) return Promise.resolve(fail('closed', 'the chart renderer is closed'));
    return new Promise((resolve) => {
      this.queue.push({ req: { trends, opts, withSvg }, resolve });
      this.pump();
    });
  }

  /** Stops the worker; queued and running renders resolve with `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const job of this.queue.splice(0)) job.resolve(fail('closed', 'the chart renderer is closed'));
    this.finish(fail('closed', 'the chart renderer is closed'));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      this.worker?.unref();
      this.scheduleIdleStop();
      return;
    }
    clearTimeout(this.idleTimer);
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      job.resolve(fail('worker-crashed', `could not start the render worker: ${(err as Error).message}`));
      this.pump();
      return;
    }
    worker.ref();
    const id = this.nextId++;
    const timer = setTimeout(
      () => this.abort(fail('timeout', `rendering took longer than ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    this.current = { id, job, timer };
    worker.postMessage({ ...job.req, id } satisfies RenderRequest);
  }

  /** An idle worker holds tens of MB (ECharts, resvg, fonts): after `idleMs` without work it is terminated. */
  private scheduleIdleStop(): void {
    clearTimeout(this.idleTimer);
    if (!this.worker) return;
    this.idleTimer = setTimeout(() => {
      if (this.current || this.queue.length || !this.worker) return;
      const w = this.worker;
      this.worker = undefined;
      void w.terminate().catch(() => undefined);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { code } = workerScript();
    const w = new Worker(code, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      stdout: false,
      stderr: false,
    });
    w.on('message', (reply: RenderReply) => this.onReply(reply));
    w.on('error', (err) => {
      const oom = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.abort(fail(oom ? 'out-of-memory' : 'worker-crashed', workerErrorMessage(err)));
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.abort(fail('worker-crashed', `the render worker exited with code ${code}`));
    });
    this.worker = w;
    return w;
  }

  private onReply(reply: RenderReply): void {
    if (!this.current || reply.id !== this.current.id) return;
    if (reply.ok) {
      const { png, width, height, renderMs, svg } = reply;
      this.finish({
        ok: true,
        value: {
          png: Buffer.from(png.buffer, png.byteOffset, png.byteLength),
          width,
          height,
          renderMs,
          ...(svg !== undefined ? { svg } : {}),
        },
      });
    } else {
      this.finish(fail('render-failed', reply.message));
    }
    this.pump();
  }

  /** Ends the current render with `error` and throws the worker away (it may be stuck or broken). */
  private abort(error: Result<ChartImage>): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate().catch(() => undefined);
    this.finish(error);
    this.pump();
  }

  private finish(result: Result<ChartImage>): void {
    const cur = this.current;
    if (!cur) return;
    clearTimeout(cur.timer);
    this.current = undefined;
    cur.job.resolve(result);
  }
}

/**
 * What a worker's uncaught error says. A DOMException thrown in the worker (DataCloneError, say)
 * arrives here with an empty message: on Node 24 as an Error whose stack still names it, on Node 20
 * as an empty object. Fall back to the stack's "Name: message" line.
 */
export function workerErrorMessage(err: unknown): string {
  if (!(err instanceof Object)) return String(err);
  const { message, stack } = err as Partial<Error>;
  if (message) return message;
  const lines = (stack ?? '').split('\n').map((line) => line.trim());
  return lines.find((line) => /^[A-Z]\w*: /.test(line)) ?? 'the render worker failed without a message';
}

function fail(kind: ChartErrorKind, message: string): { ok: false; error: ChartError } {
  return { ok: false, error: { kind, message } };
}

let shared: ChartRenderer | undefined;

/** Renders with a process-wide warm renderer (created on first use). */
export function renderTrendChart(trends: Trends, opts: RenderOptions = {}): Promise<Result<ChartImage>> {
  shared ??= new ChartRenderer();
  return shared.render(trends, opts);
}
