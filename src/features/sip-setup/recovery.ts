/**
 * Journal recovery: at start (and again on a timer while a rollback cannot finish) the
 * executor finishes or rolls back every interrupted change; each one is announced in its
 * binding's report channel. With replicas (a shared database) it also sweeps every `sweepMs`: a
 * change whose replica died is taken by a survivor once the change's lease runs out.
 */
import { code } from '../../slack/mrkdwn';
import type { RecoveryReport } from './change-executor';
import type { SipSetupContext } from './context';

type RecoveryContext = Pick<SipSetupContext, 'executor' | 'logger' | 'repos' | 'now' | 'inflight' | 'announce'>;

type EntryReport = Extract<RecoveryReport, { entry: unknown }>;
type UnreadableReport = Extract<RecoveryReport, { outcome: 'unreadable' }>;

/** The announcement of one recovered change, or undefined when there is nothing to say yet. */
export function recoveryText(rep: EntryReport): string | undefined {
  const { entry, outcome } = rep;
  if (outcome === 'stuck' || outcome === 'held') return undefined;
  if (outcome === 'completed') {
    return `♻️ Deleting binding ${code(entry.bindingName)} was interrupted before it finished (the service stopped or its database was not writable); SIP Ops finished it.`;
  }
  return `♻️ A change to binding ${code(entry.bindingName)} (${entry.kind} by <@${entry.actor}>) was interrupted before it finished (the service stopped or its database was not writable). SIP Ops rolled it back: LiveKit is as it was before. Run it again if it is still wanted.`;
}

/** The announcement of a journal entry recovery cannot read (it is left as it is). */
export function unreadableText(rep: UnreadableReport): string {
  const { bindingName, journalId } = rep.error;
  return `⚠️ An interrupted change to binding ${code(bindingName)} (journal ${code(journalId)}) cannot be read, so SIP Ops can neither finish nor roll it back. LiveKit may hold part of it: compare with ${code(`/sip-setup show ${bindingName}`)}.`;
}

export class Recovery {
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: RecoveryContext,
    private readonly retryMs: number,
    /** Replicas: how often to look for changes whose replica died (unset: one replica, no sweep). */
    private readonly sweepMs?: number,
  ) {}

  /** One pass at a time: a pass asked for while one runs joins it. */
  recover(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Sweeps every `sweepMs` (replicas only); stop() ends it. */
  startSweep(): void {
    if (this.sweepMs === undefined || this.sweepTimer) return;
    this.sweepTimer = setInterval(
      () => void this.ctx.inflight.track('sip-setup:recovery', this.recover()),
      this.sweepMs,
    );
    this.sweepTimer.unref();
  }

  private async pass(): Promise<void> {
    const { executor, logger } = this.ctx;
    let reports: RecoveryReport[];
    try {
      reports = await executor.recover();
    } catch (err) {
      logger.error({ err }, 'journal recovery failed; retrying later');
      this.scheduleRetry();
      return;
    }
    for (const rep of reports) await this.report(rep);
    if (reports.some((r) => r.outcome === 'stuck' || r.outcome === 'held')) this.scheduleRetry();
  }

  private async report(rep: RecoveryReport): Promise<void> {
    if (rep.outcome === 'unreadable') return this.reportUnreadable(rep);
    const { entry, outcome } = rep;
    if (outcome === 'held') return;
    this.ctx.logger.warn(
      { journalId: entry.id, binding: entry.bindingName, kind: entry.kind, outcome },
      'recovered an interrupted binding change',
    );
    if (outcome === 'rolled-back') {
      await this.ctx.repos.audit.record(
        {
          actor: entry.actor,
          action: `binding.${entry.kind}_rolled_back`,
          bindingName: entry.bindingName,
          detail: `journal ${entry.id}: interrupted, rolled back by recovery`,
        },
        this.ctx.now(),
      );
    }
    const text = recoveryText(rep);
    if (text)
      await this.ctx.announce(entry.request.spec.reportChannel, {
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
  }

  /** Said in the binding's report channel when the binding is known; not retried (a retry cannot fix it). */
  private async reportUnreadable(rep: UnreadableReport): Promise<void> {
    const binding = await this.ctx.repos.bindings.get(rep.error.bindingName);
    if (!binding) return;
    const text = unreadableText(rep);
    await this.ctx.announce(binding.reportChannel, {
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
    });
  }

  scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.ctx.inflight.track('sip-setup:recovery', this.recover());
    }, this.retryMs);
    this.retryTimer.unref();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.retryTimer = undefined;
    this.sweepTimer = undefined;
  }
}
