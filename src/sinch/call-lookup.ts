/**
 * Finds EST's record of a call by destination and time window, waiting (bounded) for it to appear: EST's call
 * history is written after the call ends, so a few polls are allowed before concluding there is none.
 */
import type { SinchGateway } from './gateway';
import type { EstCall } from './wire';

export interface CallLookupOptions {
  polls: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * The digits of a number as EST writes it: `+14155550100`, `14155550100` or a SIP URI such as
 * `sip:14155550100@203.0.113.7` (the reference's CDR example) all read `14155550100`.
 */
export function numberDigits(v: string): string {
  const user = /^sips?:([^@;]*)/i.exec(v)?.[1] ?? v;
  return user.replace(/\D/g, '');
}

export async function findEstCallRecord(
  g: SinchGateway,
  q: { to: string; from?: string; after: Date; before: Date },
  opts: CallLookupOptions,
): Promise<EstCall | undefined> {
  for (let poll = 1; poll <= opts.polls; poll++) {
    const page = await g.findCalls({
      to: q.to,
      createdFrom: q.after.toISOString(),
      createdTo: q.before.toISOString(),
      page: 1,
      size: 10,
    });
    const hit = page.calls
      .filter((c) => !q.from || !c.from || numberDigits(c.from) === numberDigits(q.from))
      .sort((a, b) => (b.createTime ?? '').localeCompare(a.createTime ?? ''))[0];
    if (hit) return hit;
    if (poll < opts.polls) await opts.sleep(opts.intervalMs);
  }
  return undefined;
}
