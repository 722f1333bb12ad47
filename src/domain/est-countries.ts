/**
 * EST's country permissions seen from a binding (issue 16 point 3): the project's permissions are read only
 * (SIP Ops never changes them), and a warning is due when the caller ID's country, or the country of a
 * destination the binding's test calls commonly dial, is disabled. Pure: the caller reads the permissions
 * (`GET /countryPermissions`) and the recent test calls, and passes them in.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Finding } from './health-checks';

export interface CountryPermissionView {
  isoCode: string;
  name?: string | null | undefined;
  enabled: boolean;
}

/** One disabled country and the binding's numbers in it. */
export interface DisabledCountry {
  isoCode: string;
  name: string;
  callerId: boolean;
  destinations: string[];
}

/** How many distinct test destinations count as "common" (most dialled first). */
export const COMMON_DESTINATIONS = 5;

/** The destinations dialled most often (ties: the most recent first), at most `COMMON_DESTINATIONS`. */
export function commonDestinations(callees: readonly (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const c of [...callees].reverse()) if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, COMMON_DESTINATIONS)
    .map(([n]) => n);
}

const countryOf = (e164: string): string | undefined => parsePhoneNumberFromString(e164)?.country;

export function disabledCountries(
  input: { callerId: string; destinations: readonly string[] },
  permissions: readonly CountryPermissionView[],
): DisabledCountry[] {
  const byIso = new Map(permissions.map((p) => [p.isoCode.toUpperCase(), p]));
  const out = new Map<string, DisabledCountry>();
  const note = (e164: string, asCaller: boolean) => {
    const iso = countryOf(e164);
    const p = iso ? byIso.get(iso) : undefined;
    if (!iso || !p || p.enabled) return;
    const d = out.get(iso) ?? { isoCode: iso, name: p.name ?? iso, callerId: false, destinations: [] };
    if (asCaller) d.callerId = true;
    else if (!d.destinations.includes(e164)) d.destinations.push(e164);
    out.set(iso, d);
  };
  note(input.callerId, true);
  for (const d of input.destinations) note(d, false);
  return [...out.values()];
}

/** One line per disabled country, naming which of the binding's numbers it concerns. */
export function countryWarningLines(disabled: readonly DisabledCountry[]): string[] {
  return disabled.map((d) => {
    const which = [
      ...(d.callerId ? ['the caller ID'] : []),
      ...(d.destinations.length ? [`test destination ${d.destinations.join(', ')}`] : []),
    ].join(' and ');
    return `⚠️ EST country permission for ${d.name} (${d.isoCode}) is disabled (${which}): EST refuses outbound calls to ${d.isoCode} numbers. Enable it in the Sinch dashboard (SIP Ops never changes country permissions).`;
  });
}

/** The health finding: a warning while any of the binding's countries is disabled, a pass otherwise. */
export function countryFinding(disabled: readonly DisabledCountry[]): Finding {
  if (!disabled.length)
    return {
      check: 'est.countries',
      status: 'pass',
      title: 'EST country permissions',
      evidence: 'the caller ID and common test destinations are in enabled countries',
    };
  return {
    check: 'est.countries',
    status: 'warn',
    title: 'EST country permissions',
    evidence: disabled
      .map(
        (d) =>
          `${d.name} (${d.isoCode}) disabled: ${[...(d.callerId ? ['caller ID'] : []), ...d.destinations].join(', ')}`,
      )
      .join('; '),
    nextStep:
      'Enable the country in the Sinch dashboard (Elastic SIP Trunking → country permissions); SIP Ops only reads them.',
  };
}

/** How far back test calls count towards the common destinations. */
export const TEST_DESTINATION_DAYS = 30;

/** The common test destinations of each binding, from its test calls (oldest first, as the store lists them). */
export function destinationsByBinding(
  calls: readonly { bindingName: string | null; callee: string | null }[],
): Map<string, string[]> {
  const callees = new Map<string, (string | null)[]>();
  for (const c of calls)
    if (c.bindingName) callees.set(c.bindingName, [...(callees.get(c.bindingName) ?? []), c.callee]);
  return new Map([...callees].map(([name, list]) => [name, commonDestinations(list)]));
}
