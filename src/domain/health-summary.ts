/**
 * The daily health summary, pure: what changed since the last run (regressions, recoveries),
 * which changes deserve an immediate alert, one short line per binding for the channel post,
 * and the per-binding detail for the thread, cut into chunks that fit a Slack section.
 *
 * Texts are plain (no Slack markup); callers escape them. Chunk sizes are measured on the
 * escaped text (`&`, `<`, `>` become entities), so they still fit after escaping.
 */
import type { BindingReport, CheckStatus, Finding, HealthReport } from './health-checks';
import { describeStats } from './health-checks';

export type BindingStatusMap = Record<string, CheckStatus>;

export interface RunDiff {
  /** Now fail; before pass/warn, or absent from a previous run. */
  newFailures: string[];
  /** Before fail; now pass or warn. */
  recoveries: string[];
  /** In this run, not in the previous one (empty on the first run). */
  added: string[];
  /** In the previous run, not in this one. */
  removed: string[];
}

export interface StatusTransition {
  binding: string;
  from: CheckStatus;
  to: CheckStatus;
}

/** Section text is limited to 3000 characters; keep a margin. */
export const DETAIL_CHUNK_MAX = 2900;

export const STATUS_ICON: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌' };

export function statusMap(report: HealthReport): BindingStatusMap {
  const m: BindingStatusMap = {};
  for (const b of report.bindings) m[b.name] = b.status;
  return m;
}

const sorted = (xs: string[]): string[] => [...xs].sort((a, b) => a.localeCompare(b));

/** Compares two runs. Without a previous run (`prev` undefined) nothing is new, recovered, added or removed. */
export function diffRuns(prev: BindingStatusMap | undefined, next: BindingStatusMap): RunDiff {
  if (prev === undefined) return { newFailures: [], recoveries: [], added: [], removed: [] };
  const names = Object.keys(next);
  return {
    newFailures: sorted(names.filter((n) => next[n] === 'fail' && prev[n] !== 'fail')),
    recoveries: sorted(names.filter((n) => prev[n] === 'fail' && next[n] !== 'fail')),
    added: sorted(names.filter((n) => !(n in prev))),
    removed: sorted(Object.keys(prev).filter((n) => !(n in next))),
  };
}

/**
 * Bindings that crossed the fail line between two runs (pass/warn → fail, fail → pass/warn),
 * for immediate alerts. Warn counts as not failing; bindings absent from either run are left out.
 */
export function transitionAlerts(prev: BindingStatusMap | undefined, next: BindingStatusMap): StatusTransition[] {
  if (prev === undefined) return [];
  const out: StatusTransition[] = [];
  for (const binding of sorted(Object.keys(next))) {
    const from = prev[binding];
    const to = next[binding]!;
    if (from === undefined) continue;
    if ((from === 'fail') !== (to === 'fail')) out.push({ binding, from, to });
  }
  return out;
}

export interface SummaryLines {
  /** e.g. "3 bindings: 2 pass, 1 fail; new failure: acme". */
  headline: string;
  /** Global problems (LiveKit API, secret), one line each; empty when all pass. */
  global: string[];
  /** One line per binding, in report order. */
  lines: string[];
}

/** The first fail finding, else the first warn finding. */
export function topFinding(findings: Finding[]): Finding | undefined {
  return findings.find((f) => f.status === 'fail') ?? findings.find((f) => f.status === 'warn');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** ` · EST 12 calls, LiveKit 10; EST failures: FAILED 2` for a binding whose EST trunk was read. */
function estTail(report: HealthReport, name: string, livekitCalls: number): string {
  const est = report.est;
  if (!est?.managed) return '';
  const t = est.perBinding[name];
  if (!t) return '';
  const failures = Object.entries(t.failuresByResult)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return ` · EST ${plural(t.estCalls, 'call')}, LiveKit ${livekitCalls}${failures ? `; EST failures: ${failures}` : ''}`;
}

export function summaryLines(report: HealthReport, diff: RunDiff): SummaryLines {
  const n = report.bindings.length;
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const b of report.bindings) counts[b.status]++;
  let headline =
    n === 0
      ? 'No bindings configured'
      : `${plural(n, 'binding')}: ${(['pass', 'warn', 'fail'] as const)
          .filter((s) => counts[s] > 0)
          .map((s) => `${counts[s]} ${s}`)
          .join(', ')}`;
  const changes: string[] = [];
  if (diff.newFailures.length)
    changes.push(`new ${diff.newFailures.length === 1 ? 'failure' : 'failures'}: ${diff.newFailures.join(', ')}`);
  if (diff.recoveries.length)
    changes.push(`${diff.recoveries.length === 1 ? 'recovery' : 'recoveries'}: ${diff.recoveries.join(', ')}`);
  if (diff.added.length) changes.push(`added: ${diff.added.join(', ')}`);
  if (diff.removed.length) changes.push(`removed: ${diff.removed.join(', ')}`);
  if (changes.length) headline += `; ${changes.join('; ')}`;

  const global = report.global.filter((f) => f.status !== 'pass').map((f) => `${STATUS_ICON[f.status]} ${f.title}`);
  const newFail = new Set(diff.newFailures);
  const recovered = new Set(diff.recoveries);
  const lines = report.bindings.map((b) => {
    const top = topFinding(b.findings);
    const tag = newFail.has(b.name) ? ' (new)' : recovered.has(b.name) ? ' (recovered)' : '';
    const what = top ? ` — ${top.title}` : '';
    const more = b.findings.filter((f) => f.status !== 'pass').length - 1;
    const rest = more > 0 ? ` (+${more} more)` : '';
    return `${STATUS_ICON[b.status]} ${b.name}${tag}${what}${rest}${estTail(report, b.name, b.stats.inboundCalls + b.stats.testCalls)}`;
  });
  return { headline, global, lines };
}

export interface DetailSection {
  binding: string;
  status: CheckStatus;
  /** Texts of at most `DETAIL_CHUNK_MAX` characters (after Slack escaping), in order. */
  chunks: string[];
}

/** Length of `s` once `&`, `<` and `>` are escaped for Slack. */
export function escapedLength(s: string): number {
  let n = s.length;
  for (const ch of s) {
    if (ch === '&') n += 4;
    else if (ch === '<' || ch === '>') n += 3;
  }
  return n;
}

function findingText(f: Finding): string {
  const lines = [`${STATUS_ICON[f.status]} ${f.title}`, ...f.evidence.split('\n').map((l) => `   ${l}`)];
  if (f.nextStep) lines.push(`   Next: ${f.nextStep}`);
  return lines.join('\n');
}

/** Blocks of text for one binding: problems first (full), then passes (titles), routes, stats. */
function bindingBlocks(b: BindingReport): string[] {
  const blocks: string[] = [`${STATUS_ICON[b.status]} ${b.name}: ${b.status}`];
  const problems = b.findings.filter((f) => f.status !== 'pass');
  problems.sort((x, y) => (x.status === y.status ? 0 : x.status === 'fail' ? -1 : 1));
  for (const f of problems) blocks.push(findingText(f));
  const passes = b.findings.filter((f) => f.status === 'pass');
  if (passes.length) blocks.push(`Passed: ${passes.map((f) => f.title).join('; ')}.`);
  if (b.routes.length) {
    blocks.push(
      ['Routes (where a call to each DID goes):', ...b.routes.map((r) => `${r.ok ? '✅' : '❌'} ${r.text}`)].join('\n'),
    );
  }
  blocks.push(describeStats(b.stats));
  return blocks;
}

/** Splits one text so every piece fits: at line ends first, then hard. */
function splitText(text: string, max: number, measure: (s: string) => number): string[] {
  if (measure(text) <= max) return [text];
  const out: string[] = [];
  let cur = '';
  const flush = (): void => {
    if (cur !== '') out.push(cur);
    cur = '';
  };
  for (const line of text.split('\n')) {
    const candidate = cur === '' ? line : `${cur}\n${line}`;
    if (measure(candidate) <= max) {
      cur = candidate;
      continue;
    }
    flush();
    if (measure(line) <= max) {
      cur = line;
      continue;
    }
    // One line longer than the limit: cut it by characters (code points).
    let piece = '';
    for (const ch of line) {
      if (measure(piece + ch) > max) {
        out.push(piece);
        piece = '';
      }
      piece += ch;
    }
    cur = piece;
  }
  flush();
  return out;
}

/** Packs blocks into chunks of at most `max` (measured), joined by newlines. */
export function packChunks(
  blocks: string[],
  max = DETAIL_CHUNK_MAX,
  measure: (s: string) => number = escapedLength,
): string[] {
  const chunks: string[] = [];
  let cur = '';
  for (const block of blocks.flatMap((b) => splitText(b, max, measure))) {
    const candidate = cur === '' ? block : `${cur}\n${block}`;
    if (measure(candidate) <= max) {
      cur = candidate;
    } else {
      if (cur !== '') chunks.push(cur);
      cur = block;
    }
  }
  if (cur !== '') chunks.push(cur);
  return chunks;
}

/** Per binding, the detail for the summary thread, in chunks that fit a Slack section. */
export function detailSections(report: HealthReport, max = DETAIL_CHUNK_MAX): DetailSection[] {
  return report.bindings.map((b) => ({ binding: b.name, status: b.status, chunks: packChunks(bindingBlocks(b), max) }));
}

/** The global findings (LiveKit API, secret) as chunks for the thread. */
export function globalDetail(report: HealthReport, max = DETAIL_CHUNK_MAX): string[] {
  return packChunks(report.global.map(findingText), max);
}
