/** The `call_records` row of each inbound call: inserted at its start, rewritten at each sync. */
import type { InboundCallView } from '../../domain/inbound-call';
import { inboundRecordPatch } from '../../domain/inbound-record';
import type { CallRecord } from '../../store/calls-repo';
import type { InboundContext } from './context';
import type { CallSession, RoomSession } from './sessions';

export class CallRecords {
  constructor(private readonly ctx: InboundContext) {}

  /** Inserts the record unless it exists (a replayed start). */
  async insert(r: Pick<CallRecord, 'id' | 'direction' | 'startedAt' | 'outcome'> & Partial<CallRecord>): Promise<void> {
    const calls = this.ctx.deps.repos.calls;
    if (await calls.get(r.id)) return;
    await calls.insert(r);
  }

  /** Writes what is known of the call now, with the detail a restart carries on from. */
  async save(s: RoomSession, cs: CallSession, view: InboundCallView): Promise<void> {
    if (!cs.recordId || cs.presentation === 'ignored') return;
    const agentName = cs.binding?.agentName;
    const call = {
      key: cs.key,
      presentation: cs.presentation,
      confirmed: cs.confirmed,
      ...(agentName ? { agentName } : {}),
    };
    const patch = inboundRecordPatch(call, view, s.state, this.ctx.nowMs());
    await this.ctx.deps.repos.calls.update(cs.recordId, {
      ...patch,
      detail: patch.detail as unknown as Record<string, unknown>,
    });
  }
}
