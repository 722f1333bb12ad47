/**
 * `GET /export/calls.csv?binding=<name>&days=<1-90>` for scripts (issue 19), behind
 * `Authorization: Bearer <EXPORT_TOKEN>`. Without EXPORT_TOKEN the route is not registered at
 * all (404). The token is compared in constant time (both sides hashed to equal length first).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendText, type HttpRoute } from './server';

export interface CsvExportQuery {
  days: string | null;
  binding: string | null;
}

export interface ExportRouteDeps {
  token: string;
  /** The CSV for a query, or a client error (400) to show. */
  csv(q: CsvExportQuery): Promise<{ ok: true; csv: string; filename: string } | { ok: false; error: string }>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Whether the request carries `Bearer <token>` (constant time in the token's content). */
export function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer (.+)$/i.exec(header);
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

export function exportCallsRoute(d: ExportRouteDeps): HttpRoute {
  return {
    method: 'GET',
    path: '/export/calls.csv',
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      if (!bearerMatches(req, d.token)) {
        res.setHeader('www-authenticate', 'Bearer');
        sendJson(res, 401, { error: 'a valid bearer token (EXPORT_TOKEN) is required' });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const r = await d.csv({ days: url.searchParams.get('days'), binding: url.searchParams.get('binding') });
      if (!r.ok) {
        sendJson(res, 400, { error: r.error });
        return;
      }
      res.setHeader('content-disposition', `attachment; filename="${r.filename}"`);
      res.setHeader('cache-control', 'no-store');
      sendText(res, 200, r.csv, 'text/csv; charset=utf-8');
    },
  };
}
