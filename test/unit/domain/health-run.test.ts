import {
  bindingHealthStates,
  compareRun,
  NO_CHANGES,
  runPassed,
  storedResults,
  type KnownStatuses,
} from '../../../src/domain/health-run';
import { bindingReport, finding, healthReport } from '../../support/builders';

const AT = new Date('2024-05-03T09:00:00Z');

describe('compareRun', () => {
  it('the first full run: nothing changed, nothing crossed the fail line, every status remembered', () => {
    const report = healthReport([
      bindingReport('alpha', 'pass'),
      bindingReport('bravo', 'fail', 'Dispatch rule SDR_b not found'),
    ]);
    const c = compareRun({ runId: 'r1', report, finishedAt: AT, prevFull: undefined, known: {} });
    expect(c.firstRun).toBe(true);
    expect(c.diff).toEqual(NO_CHANGES);
    expect(c.transitions).toEqual([]);
    expect(c.nextFull).toEqual({ alpha: 'pass', bravo: 'fail' });
    expect(c.nextKnown).toEqual({
      alpha: { status: 'pass', at: '2024-05-03T09:00:00.000Z', runId: 'r1' },
      bravo: { status: 'fail', at: '2024-05-03T09:00:00.000Z', runId: 'r1', top: 'Dispatch rule SDR_b not found' },
    });
  });

  it('a later full run: the diff against the last full run, transitions against the last known statuses', () => {
    const known: KnownStatuses = {
      alpha: { status: 'pass', at: '2024-05-02T09:00:00.000Z', runId: 'r0' },
      bravo: { status: 'pass', at: '2024-05-02T09:00:00.000Z', runId: 'r0' },
      gone: { status: 'pass', at: '2024-05-02T09:00:00.000Z', runId: 'r0' },
    };
    const report = healthReport([
      bindingReport('alpha', 'pass'),
      bindingReport('bravo', 'fail'),
      bindingReport('new', 'warn'),
    ]);
    const c = compareRun({
      runId: 'r1',
      report,
      finishedAt: AT,
      prevFull: { alpha: 'pass', bravo: 'pass', gone: 'pass' },
      known,
    });
    expect(c.firstRun).toBe(false);
    expect(c.diff).toEqual({ newFailures: ['bravo'], recoveries: [], added: ['new'], removed: ['gone'] });
    expect(c.transitions).toEqual([{ binding: 'bravo', from: 'pass', to: 'fail' }]);
    // A full run replaces what is known: a removed binding is forgotten.
    expect(Object.keys(c.nextKnown).sort()).toEqual(['alpha', 'bravo', 'new']);
  });

  it('a single-binding check: no diff, no "first run", other bindings kept, the full-run map left alone', () => {
    const known: KnownStatuses = {
      alpha: { status: 'pass', at: '2024-05-02T09:00:00.000Z', runId: 'r0' },
      bravo: { status: 'fail', at: '2024-05-02T09:00:00.000Z', runId: 'r0', top: 'x' },
    };
    const report = healthReport([bindingReport('bravo', 'pass')]);
    const c = compareRun({ runId: 'r2', report, only: ['bravo'], finishedAt: AT, prevFull: undefined, known });
    expect(c.firstRun).toBe(false);
    expect(c.diff).toEqual(NO_CHANGES);
    expect(c.nextFull).toBeUndefined();
    expect(c.transitions).toEqual([{ binding: 'bravo', from: 'fail', to: 'pass' }]);
    expect(c.nextKnown).toEqual({
      alpha: known.alpha,
      bravo: { status: 'pass', at: '2024-05-03T09:00:00.000Z', runId: 'r2' },
    });
  });

  it('a binding seen for the first time has no transition', () => {
    const known: KnownStatuses = { alpha: { status: 'pass', at: '2024-05-02T09:00:00.000Z', runId: 'r0' } };
    const c = compareRun({
      runId: 'r3',
      report: healthReport([bindingReport('charlie', 'fail')]),
      only: ['charlie'],
      finishedAt: AT,
      prevFull: undefined,
      known,
    });
    expect(c.transitions).toEqual([]);
  });
});

describe('storedResults', () => {
  it('keeps failing and warning findings whole and passing ones by check ID, with the headline and counts', () => {
    const report = healthReport(
      [bindingReport('alpha', 'pass'), bindingReport('bravo', 'warn', 'Agent join rate low')],
      [finding('livekit.api', 'pass')],
    );
    const row = storedResults({
      scope: 'all',
      report,
      livekitCalls: 3,
      wallMs: 40,
      dnsLookups: 2,
      optionsProbes: 2,
      probesCutOff: 0,
    });
    expect(row).toMatchObject({
      scope: 'all',
      livekitCalls: 3,
      wallMs: 40,
      dnsLookups: 2,
      optionsProbes: 2,
      probesCutOff: 0,
      global: report.global,
    });
    expect(row.headline).toBe('2 bindings: 1 pass, 1 warn');
    expect(row.bindings).toEqual([
      { name: 'alpha', status: 'pass', findings: [], passed: ['inbound-trunk.exists'] },
      {
        name: 'bravo',
        status: 'warn',
        findings: [expect.objectContaining({ check: 'dispatch-rule.exists', title: 'Agent join rate low' })],
        passed: ['inbound-trunk.exists'],
      },
    ]);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });
});

describe('what the health metrics show', () => {
  it('a run passes with warnings, not with a failing binding or a failing global check', () => {
    expect(runPassed(healthReport([bindingReport('alpha', 'pass'), bindingReport('bravo', 'warn')]))).toBe(true);
    expect(runPassed(healthReport([bindingReport('alpha', 'pass'), bindingReport('bravo', 'fail')]))).toBe(false);
    expect(runPassed(healthReport([bindingReport('alpha', 'pass')], [finding('livekit.api', 'fail')]))).toBe(false);
    expect(runPassed(healthReport([]))).toBe(true);
  });

  it("each existing binding's last known status, unknown before its first check; deleted bindings left out", () => {
    const known: KnownStatuses = {
      alpha: { status: 'warn', at: AT.toISOString(), runId: 'r1' },
      deleted: { status: 'fail', at: AT.toISOString(), runId: 'r1' },
    };
    expect(bindingHealthStates(['alpha', 'charlie', 'toString'], known)).toEqual([
      { binding: 'alpha', state: 'warn' },
      { binding: 'charlie', state: 'unknown' },
      { binding: 'toString', state: 'unknown' },
    ]);
  });
});
