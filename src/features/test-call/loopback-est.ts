/**
 * EST's side of a loopback that did not come back, when the Sinch side is managed (issue 17 point 2):
 * the DID's number assignment, the EST trunk's endpoints and EST's call record of the loop, each as
 * one line for the verdict's "inbound leg" causes. Reads only; a failed read is one line, never a throw.
 */
import type { Binding } from '../../domain/binding';
import { findEstCallRecord, type CallLookupOptions } from '../../sinch/call-lookup';
import { numberAssignment, type SinchGateway } from '../../sinch/gateway';
import { sleep } from '../../sleep';
import type { LoopbackEstEvidence } from './run-loopback';

/** EST writes its call history after the call: a couple of reads before concluding there is none. */
const DEFAULT_LOOKUP: CallLookupOptions = { polls: 2, intervalMs: 1000, sleep: (ms) => sleep(ms) };

export function sinchLoopbackEvidence(
  sinch: SinchGateway,
  now: () => Date,
  lookup: CallLookupOptions = DEFAULT_LOOKUP,
): LoopbackEstEvidence {
  return {
    async notRoutedBack({ binding, did, callerId, startedAt }) {
      const [routing, record] = await Promise.all([
        estRouting(sinch, binding, did),
        estRecord(sinch, { did, callerId, startedAt, now: now() }, lookup),
      ]);
      return [...routing, record];
    },
  };
}

const failed = (what: string, err: unknown): string =>
  `EST: could not read ${what} (${err instanceof Error ? err.message : String(err)}).`;

async function estRouting(sinch: SinchGateway, binding: Binding, did: string): Promise<string[]> {
  let trunkId: string | undefined;
  try {
    trunkId = (await sinch.listTrunks({ domain: binding.trunkDomain }))[0]?.id;
  } catch (err) {
    return [failed(`the trunk ${binding.trunkDomain}`, err)];
  }
  if (!trunkId) return [`EST: no trunk has the domain \`${binding.trunkDomain}\`.`];
  const lines: string[] = [];
  try {
    const a = numberAssignment(await sinch.getActiveNumber(did));
    if (a.state === 'unassigned') lines.push(`EST: ${did} is not assigned to any EST trunk (Numbers API).`);
    else if (a.state !== 'assigned')
      lines.push(`EST: ${did}'s assignment to an EST trunk is ${a.state} (Numbers API), so EST does not route it yet.`);
    else if (a.trunkId !== trunkId)
      lines.push(`EST: ${did} is assigned to trunk \`${a.trunkId}\`, not \`${binding.trunkDomain}\` (\`${trunkId}\`).`);
  } catch (err) {
    lines.push(failed(`${did}'s number assignment`, err));
  }
  try {
    const endpoints = (await sinch.listEndpoints(trunkId))
      .filter((e) => e.enabled !== false)
      .sort((x, y) => (x.priority ?? 0) - (y.priority ?? 0));
    const first = endpoints[0];
    if (!first) lines.push(`EST: the trunk \`${binding.trunkDomain}\` has no enabled endpoint.`);
    else if (first.address !== binding.livekitSipHost)
      lines.push(
        `EST: the trunk \`${binding.trunkDomain}\` sends calls to \`${first.address ?? '(no address)'}\`, not LiveKit's SIP host \`${binding.livekitSipHost}\`.`,
      );
  } catch (err) {
    lines.push(failed(`the endpoints of ${binding.trunkDomain}`, err));
  }
  return lines;
}

async function estRecord(
  sinch: SinchGateway,
  q: { did: string; callerId: string; startedAt: Date; now: Date },
  lookup: CallLookupOptions,
): Promise<string> {
  try {
    const rec = await findEstCallRecord(
      sinch,
      {
        to: q.did,
        from: q.callerId,
        after: new Date(q.startedAt.getTime() - 5000),
        before: new Date(q.now.getTime() + 5000),
      },
      lookup,
    );
    if (!rec) return `EST call record: none for ${q.callerId} → ${q.did} yet.`;
    const result = (rec.callResult ?? 'UNKNOWN').toUpperCase();
    return `EST call record ${rec.callId}: ${result}, ${rec.trunkId ? `trunk \`${rec.trunkId}\`` : 'on no trunk'}.`;
  } catch (err) {
    return failed('the call history', err);
  }
}
