import { SinchProvisioningStuckError } from './errors';
import type { SinchGateway } from './gateway';
import { numberAssignment, type NumberAssignment } from './gateway';

/**
 * Waits, bounded, until the Numbers API shows `e164` on `trunkId` (assignment is asynchronous:
 * `scheduledVoiceProvisioning` stays WAITING until Sinch applies it; sinch-est-api.md §1.5).
 * `onProgress` sees every poll so a Slack progress message can be updated. A number still pending after
 * `maxPolls`, or whose provisioning FAILED, raises `SinchProvisioningStuckError` naming the number and state.
 */
export interface WaitOptions {
  maxPolls: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
  onProgress?: (poll: number, state: NumberAssignment) => void | Promise<void>;
}

export async function waitForNumberOnTrunk(
  gateway: SinchGateway,
  e164: string,
  trunkId: string | null,
  opts: WaitOptions,
): Promise<void> {
  let last: NumberAssignment = { state: 'unassigned' };
  for (let poll = 1; poll <= opts.maxPolls; poll++) {
    last = numberAssignment(await gateway.getActiveNumber(e164));
    await opts.onProgress?.(poll, last);
    if (trunkId !== null && last.state === 'assigned' && last.trunkId === trunkId) return;
    if (trunkId === null && last.state === 'unassigned') return;
    if (last.state === 'failed') break;
    if (poll < opts.maxPolls) await opts.sleep(opts.intervalMs);
  }
  const where = trunkId ? `onto trunk ${trunkId}` : 'off its EST trunk';
  const state =
    last.state === 'pending'
      ? `still ${last.status}`
      : last.state === 'failed'
        ? 'provisioning FAILED'
        : `now ${describe(last)}`;
  throw new SinchProvisioningStuckError(
    `Sinch has not finished moving ${e164} ${where} after ${opts.maxPolls} checks (${state})`,
    { operation: 'PATCH /activeNumbers/{id}' },
  );
}

function describe(a: NumberAssignment): string {
  return a.state === 'assigned' ? `on trunk ${a.trunkId}` : a.state;
}
