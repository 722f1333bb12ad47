/**
 * The render worker's entry point: one message in (`RenderRequest`), one message out
 * (`RenderReply`), forever. Started by ChartRenderer (renderer.ts) with resourceLimits; a
 * rendering exception is returned as a reply, so only a crash or an overrun ends the thread.
 */
import { parentPort } from 'node:worker_threads';
import type { Trends } from '../domain/trends';
import { renderTrendChartSync, type RenderOptions } from './render-core';

export interface RenderRequest {
  id: number;
  trends: Trends;
  opts: RenderOptions;
  /** Also return the SVG text (tests inspect it); off by default to keep the reply small. */
  withSvg: boolean;
}

export type RenderReply =
  | { id: number; ok: true; png: Uint8Array; svg?: string; width: number; height: number; renderMs: number }
  | { id: number; ok: false; message: string };

function handle(req: RenderRequest): RenderReply {
  const t0 = performance.now();
  try {
    const r = renderTrendChartSync(req.trends, req.opts);
    // Always a copy: resvg's PNG is a native (external) buffer, which Node 24 refuses to transfer
    // (DataCloneError, which would end the thread; Node 20 let it through), and a Buffer may view a
    // shared pool. A fresh Uint8Array owns its ArrayBuffer, so it can be moved to the caller.
    const png = new Uint8Array(r.png);
    return {
      id: req.id,
      ok: true,
      png,
      width: r.width,
      height: r.height,
      renderMs: performance.now() - t0,
      ...(req.withSvg ? { svg: r.svg } : {}),
    };
  } catch (err) {
    return { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** A reply that cannot be posted is reported as a failed render instead of ending the thread. */
function send(reply: RenderReply): void {
  try {
    parentPort?.postMessage(reply, reply.ok ? [reply.png.buffer as ArrayBuffer] : []);
  } catch (err) {
    const message = `the rendered chart could not be sent back: ${err instanceof Error ? err.message : String(err)}`;
    parentPort?.postMessage({ id: reply.id, ok: false, message } satisfies RenderReply);
  }
}

parentPort?.on('message', (req: RenderRequest) => send(handle(req)));
