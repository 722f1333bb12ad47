/**
 * CSV export of call records (issue 19): pure. RFC 4180 quoting, ISO 8601 UTC times, numbers in
 * E.164 where they are phone numbers, and a guard against spreadsheet formula injection.
 *
 * The columns are an allow-list: nothing from `detail` (free-form JSON) or the Slack message
 * references is exported, and SIP URIs lose any password, so no secret can reach a column.
 */
import { parseE164 } from './e164';

/** The fields of a call record the export reads (`CallRecord` from the store fits). */
export interface CsvCall {
  id: string;
  direction: string;
  bindingName: string | null;
  caller: string | null;
  callee: string | null;
  actor: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  agentJoined: boolean;
  sipStatus: number | null;
  outcome: string;
  endReason: string | null;
  setupMs: number | null;
  durationMs: number | null;
}

type Cell = string | number | boolean | null;

const COLUMNS: readonly [string, (c: CsvCall) => Cell][] = [
  ['id', (c) => c.id],
  ['kind', (c) => c.direction],
  ['binding', (c) => c.bindingName],
  ['started_at', (c) => isoTime(c.startedAt)],
  ['answered_at', (c) => isoTime(c.answeredAt)],
  ['ended_at', (c) => isoTime(c.endedAt)],
  ['caller', (c) => party(c.caller)],
  ['callee', (c) => party(c.callee)],
  ['outcome', (c) => c.outcome],
  ['sip_status', (c) => c.sipStatus],
  ['agent_joined', (c) => c.agentJoined],
  ['time_to_agent_ms', (c) => roundMs(c.setupMs)],
  ['duration_ms', (c) => roundMs(c.durationMs)],
  ['end_reason', (c) => c.endReason],
  ['requested_by', (c) => c.actor],
];

export const CSV_HEADER: readonly string[] = COLUMNS.map(([name]) => name);

/** ISO 8601 in UTC (`…Z`); an unparsable stored value is passed through unchanged. */
function isoTime(s: string | null): string | null {
  if (s === null) return null;
  const t = new Date(s);
  return Number.isNaN(t.getTime()) ? s : t.toISOString();
}

function roundMs(ms: number | null): number | null {
  return ms === null || !Number.isFinite(ms) ? null : Math.round(ms);
}

/** A phone number in E.164 (`sip_+1555…` identities included); other SIP users without any password. */
export function party(s: string | null): string | null {
  if (s === null || s === '') return s;
  const number = parseE164(s.replace(/^sip_/i, ''));
  if (number.ok) return number.value;
  // sip:user:password@host → sip:user@host
  return s.replace(/^(sips?:[^:@;]+):[^@]*@/i, '$1@');
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NUMERIC = /^[+-]?\d+(\.\d+)?$/;

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvField(v: Cell): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  // A phone number like +4930… is data, not a formula; anything else starting with = + - @ is defused.
  const safe = FORMULA_START.test(v) && !NUMERIC.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The whole export: header row then one row per call, CRLF line ends (RFC 4180). */
export function callsCsv(calls: readonly CsvCall[]): string {
  const rows = [CSV_HEADER.map(csvField).join(',')];
  for (const c of calls) rows.push(COLUMNS.map(([, get]) => csvField(get(c))).join(','));
  return rows.join('\r\n') + '\r\n';
}
