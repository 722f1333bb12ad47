/**
 * The EST half of a health run (issue 16 point 5): per covered binding, EST's state read through Sinch and
 * checked (domain/est-checks.ts); per EST trunk, the last 24 hours of EST's call history, paged and bounded
 * (src/sinch/snapshot.ts), so the Sinch API calls of a run are constant per trunk whatever the call count.
 */
import type { Binding } from '../../domain/binding';
import { estDesiredFor, runEstChecks } from '../../domain/est-checks';
import { countryFinding, disabledCountries, type CountryPermissionView } from '../../domain/est-countries';
import type { EstBindingTally, EstReport, Finding } from '../../domain/health-checks';
import type { SinchGateway } from '../../sinch/gateway';
import { readEstSnapshot, tallyTrunkCalls } from '../../sinch/snapshot';

const DAY_MS = 24 * 60 * 60 * 1000;

export const EST_NOT_MANAGED = 'EST not managed: no Sinch access key';

export interface EstRead {
  findings: Map<string, Finding[]>;
  report: EstReport;
}

/**
 * `testDestinations`: each binding's common test destinations (domain/est-countries.ts); the project's country
 * permissions are read once per run and checked against them and the caller ID.
 */
export async function readEst(
  sinch: SinchGateway | undefined,
  bindings: Binding[],
  now: Date,
  lookupIpv4: (host: string) => Promise<string | undefined>,
  testDestinations: ReadonlyMap<string, string[]> = new Map(),
): Promise<EstRead> {
  const findings = new Map<string, Finding[]>();
  if (!sinch) return { findings, report: { managed: false, note: EST_NOT_MANAGED } };
  const trunkOf = new Map<string, string>();
  const permissionsP: Promise<CountryPermissionView[] | undefined> = bindings.length
    ? sinch.listCountryPermissions().catch(() => undefined)
    : Promise.resolve(undefined);
  await Promise.all(
    bindings.map(async (b) => {
      try {
        const ip = b.auth.kind === 'acl' ? await lookupIpv4(b.livekitSipHost) : undefined;
        const snap = await readEstSnapshot(sinch, b);
        if (snap.trunk) trunkOf.set(b.name, snap.trunk.id);
        const permissions = await permissionsP;
        const countries = permissions
          ? [
              countryFinding(
                disabledCountries(
                  { callerId: b.callerId, destinations: testDestinations.get(b.name) ?? [] },
                  permissions,
                ),
              ),
            ]
          : [];
        findings.set(b.name, [...runEstChecks(estDesiredFor(b, ip), snap), ...countries]);
      } catch (err) {
        findings.set(b.name, [
          {
            check: 'est.read',
            status: 'warn',
            title: 'EST side',
            evidence: `could not read EST: ${(err as Error).message}`,
            nextStep: 'Check the Sinch access key and that Sinch is reachable.',
          },
        ]);
      }
    }),
  );
  const from = new Date(now.getTime() - DAY_MS);
  const trunks = [...new Set(trunkOf.values())];
  const tallies = new Map(
    (await Promise.all(trunks.map((t) => tallyTrunkCalls(sinch, t, from, now).catch(() => undefined))))
      .filter((t) => t !== undefined)
      .map((t) => [t.trunkId, t]),
  );
  const perBinding: Record<string, EstBindingTally> = {};
  for (const [name, trunkId] of trunkOf) {
    const t = tallies.get(trunkId);
    if (!t) continue;
    perBinding[name] = { estCalls: t.total, failuresByResult: { ...t.byResult } };
  }
  const apiCalls = [...tallies.values()].reduce((n, t) => n + t.apiCalls, 0);
  return { findings, report: { managed: true, perBinding, historyApiCalls: apiCalls } };
}
