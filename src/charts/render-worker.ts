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
    // A Buffer may view a shared pool: send an exact copy so it can be transferred.
    const png =
      r.png.byteOffset === 0 && r.png.byteLength === r.png.buffer.byteLength
        ? new Uint8Array(r.png.buffer)
        : new Uint8Array(r.png);
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

parentPort?.on('message', (req: RenderRequest) => {
  const reply = handle(req);
  parentPort?.postMessage(reply, reply.ok ? [reply.png.buffer as ArrayBuffer] : []);
});
