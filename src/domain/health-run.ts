/**
 * What a finished health run means against what was known before, pure: the changes since the
 * last full run, the bindings that crossed the fail line, the statuses to remember, and the row
 * stored for the run (small with many bindings).
 */
import type { CheckStatus, Finding, HealthReport } from './health-checks';
import {
  diffRuns,
  statusMap,
  summaryLines,
  topFinding,
  transitionAlerts,
  type BindingStatusMap,
  type RunDiff,
  type StatusTransition,
} from './health-summary';

export const NO_CHANGES: RunDiff = { newFailures: [], recoveries: [], added: [], removed: [] };

/** The last status of one binding, from whichever run (full or single) checked it last. */
export interface KnownStatus {
  status: CheckStatus;
  /** ISO time the run finished. */
  at: string;
  runId: string;
  /** Title of the top finding to act on. */
  top?: string;
}

export type KnownStatuses = Record<string, KnownStatus>;

export interface RunComparisonInput {
  runId: string;
  report: HealthReport;
  /** The binding names a single check covered; undefined for a full run. */
  only?: string[];
  finishedAt: Date;
  /** Status map of the previous full run (undefined before the first one). */
  prevFull: BindingStatusMap | undefined;
  /** Last known status of each binding. */
  known: KnownStatuses;
}

export interface RunComparison {
  /** Against the previous full run (no changes for single-binding checks). */
  diff: RunDiff;
  firstRun: boolean;
  transitions: StatusTransition[];
  /** The last known statuses after this run. */
  nextKnown: KnownStatuses;
  /** The status map to keep as "the previous full run" (full runs only). */
  nextFull: BindingStatusMap | undefined;
}

export function compareRun(i: RunComparisonInput): RunComparison {
  const map = statusMap(i.report);
  const prevKnown: BindingStatusMap = {};
  for (const [name, k] of Object.entries(i.known)) prevKnown[name] = k.status;
  const nextKnown: KnownStatuses = i.only ? { ...i.known } : {};
  for (const b of i.report.bindings) {
    const top = topFinding(b.findings);
    nextKnown[b.name] = {
      status: b.status,
      at: i.finishedAt.toISOString(),
      runId: i.runId,
      ...(top ? { top: top.title } : {}),
    };
  }
  return {
    diff: i.only ? NO_CHANGES : diffRuns(i.prevFull, map),
    firstRun: i.only ? false : i.prevFull === undefined,
    transitions: transitionAlerts(Object.keys(prevKnown).length ? prevKnown : undefined, map),
    nextKnown,
    nextFull: i.only ? undefined : map,
  };
}

/** A run passed when it found nothing failing, globally or in any binding (warnings pass). */
export function runPassed(report: HealthReport): boolean {
  return report.global.every((f) => f.status !== 'fail') && report.bindings.every((b) => b.status !== 'fail');
}

/** A binding's health as the metrics show it: its last known status, `unknown` before its first check. */
export type BindingHealthState = CheckStatus | 'unknown';
export const BINDING_HEALTH_STATES: readonly BindingHealthState[] = ['pass', 'warn', 'fail', 'unknown'];

/** The state of each binding that exists (`names`, from the bindings table); statuses of deleted bindings are left out. */
export function bindingHealthStates(
  names: readonly string[],
  known: KnownStatuses,
): Array<{ binding: string; state: BindingHealthState }> {
  return names.map((binding) => ({
    binding,
    state: Object.hasOwn(known, binding) ? known[binding]!.status : 'unknown',
  }));
}

/** The results row stored for a run (`health_runs.results`). */
export interface StoredResults {
  scope: 'all' | string[];
  headline: string;
  livekitCalls: number;
  wallMs: number;
  dnsLookups: number;
  optionsProbes: number;
  probesCutOff: number;
  global: Finding[];
  bindings: Array<{ name: string; status: CheckStatus; findings: Finding[]; passed: string[] }>;
}

export interface StoredResultsInput {
  scope: 'all' | string[];
  report: HealthReport;
  livekitCalls: number;
  wallMs: number;
  dnsLookups: number;
  optionsProbes: number;
  probesCutOff: number;
}

export function storedResults(run: StoredResultsInput): StoredResults {
  return {
    scope: run.scope,
    headline: summaryLines(run.report, NO_CHANGES).headline,
    livekitCalls: run.livekitCalls,
    wallMs: run.wallMs,
    dnsLookups: run.dnsLookups,
    optionsProbes: run.optionsProbes,
    probesCutOff: run.probesCutOff,
    global: run.report.global,
    // Passing findings by ID only: the rows stay small with many bindings.
    bindings: run.report.bindings.map((b) => ({
      name: b.name,
      status: b.status,
      findings: b.findings.filter((f) => f.status !== 'pass'),
      passed: b.findings.filter((f) => f.status === 'pass').map((f) => f.check),
    })),
  };
}
