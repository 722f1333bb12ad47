/**
 * The calls export (issue 19): a CSV of the call records (inbound calls, test calls and loopbacks
 * once they exist) of the last N days, optionally of one binding. Shared by
 * `/sip-setup export calls [binding] [days]` and `GET /export/calls.csv`.
 */
import { callsCsv } from '../../domain/calls-csv';
import { callsInWindow } from '../../store/trends-reader';
import type { AppDeps } from '../feature';

export const EXPORT_DEFAULT_DAYS = 30;
export const EXPORT_MAX_DAYS = 90;

export interface ExportRequest {
  days: number;
  bindingName?: string;
}

export async function exportCallsCsv(
  d: Pick<AppDeps, 'repos' | 'config' | 'now'>,
  r: ExportRequest,
): Promise<{ csv: string; rows: number }> {
  const calls = await callsInWindow(d.repos.calls, {
    now: d.now(),
    days: r.days,
    timeZone: d.config.summary.timezone,
    ...(r.bindingName ? { bindingName: r.bindingName } : {}),
  });
  return { csv: callsCsv(calls), rows: calls.length };
}

/** Days from user input: a whole number from 1 to 90, or undefined. */
export function parseDays(s: string | null | undefined): number | undefined {
  if (s === null || s === undefined || s === '') return EXPORT_DEFAULT_DAYS;
  if (!/^\d{1,3}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= EXPORT_MAX_DAYS ? n : undefined;
}

const BINDING_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `[binding] [days]` in either order: a number is the days, anything else the binding name. */
export function parseExportArgs(argv: readonly string[]): ExportRequest | { error: string } {
  let bindingName: string | undefined;
  let days: number | undefined = EXPORT_DEFAULT_DAYS;
  if (argv.length > 2) return { error: 'too many words' };
  for (const word of argv) {
    if (/^\d+$/.test(word)) days = parseDays(word);
    else if (BINDING_NAME.test(word.toLowerCase()) && bindingName === undefined) bindingName = word.toLowerCase();
    else return { error: `\`${word.replace(/[`<>&]/g, '')}\` is not a binding name` };
    if (days === undefined) return { error: `days must be 1 to ${EXPORT_MAX_DAYS}` };
  }
  return { days, ...(bindingName ? { bindingName } : {}) };
}
