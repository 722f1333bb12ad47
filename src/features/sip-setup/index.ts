/**
 * `/sip-setup`: create, edit, import, show, list and delete bindings. Listeners ack first;
 * LiveKit work runs after the ack through the journaled `ChangeExecutor`.
 *
 * The wiring of: the form (form.ts: open, submit, with cross-checks.ts), running a change
 * (run-change.ts, with progress.ts and messages.ts), journal recovery at start and on retry
 * (recovery.ts), import (import.ts, arguments parsed by domain/import-args.ts), list and show
 * (list-show.ts), delete (delete.ts), report-channel announcements (announcer.ts) and reading
 * LiveKit's state (livekit-state.ts). The shared context is context.ts.
 */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { isIPv4 } from 'node:net';
import { dnsLookupResolver } from '../../sip/dns-resolver';
import { NEW_BINDING_ACTION } from '../../slack/action-ids';
import type { PacedNotifier } from '../../slack/paced-notifier';
import { sleep } from '../../sleep';
import type { AppDeps, Feature, FeatureContext } from '../feature';
import { announcer } from './announcer';
import { BINDING_MODAL_CALLBACK } from './binding-modal';
import { ChangeExecutor } from './change-executor';
import type { SipSetupContext } from './context';
import { deleteCommandHandler, deleteConfirmHandler } from './delete';
import { EstStepRunner } from './est-steps';
import { formSubmitHandler, newBindingButtonHandler, openFormHandler } from './form';
import { importHandler } from './import';
import { listHandler, showHandler } from './list-show';
import { DELETE_CONFIRM_CALLBACK } from './messages';
import { Recovery } from './recovery';

export interface SipSetupOptions {
  /** IPv4 of the LiveKit public SIP host for the ACL line (default: DNS with a 1 s bound). */
  lookupIpv4?: (host: string) => Promise<string | undefined>;
  /** How long submit validation waits for LiveKit before giving up (Slack allows 3 s in all). */
  conflictCheckMs?: number;
  /** Retry period for rollbacks that could not finish. */
  recoveryRetryMs?: number;
  /** Numbers API provisioning wait per DID (default 30 checks, 2 s apart). */
  provisioning?: { polls: number; intervalMs: number };
}

/** The first IPv4 address of `host`, within 1 s, or undefined. */
const resolveHost = dnsLookupResolver(1000);
async function defaultLookup(host: string): Promise<string | undefined> {
  const r = await resolveHost(host);
  return r.ok ? r.addresses.find((a) => isIPv4(a)) : undefined;
}

export function sipSetupFeature(deps: AppDeps, opts: SipSetupOptions = {}): Feature {
  const { repos, livekit, config, inflight, now } = deps;
  const logger = deps.logger.child({ feature: 'sip-setup' });
  const provisioning = opts.provisioning ?? { polls: 30, intervalMs: 2000 };
  const est = deps.sinch
    ? new EstStepRunner(deps.sinch, {
        provisioningPolls: provisioning.polls,
        provisioningIntervalMs: provisioning.intervalMs,
        sleep: (ms) => sleep(ms),
      })
    : undefined;
  const leaseMs = config.changeLeaseMs;
  const executor = new ChangeExecutor({ livekit, repos, logger, now, leaseMs, ...(est ? { est } : {}) });
  let notifier: PacedNotifier | undefined;
  const announce = announcer(logger, () => notifier);
  const recovery = new Recovery(
    { executor, logger, repos, now, inflight, announce },
    opts.recoveryRetryMs ?? 60_000,
    repos.coordination.shared ? leaseMs / 2 : undefined,
  );
  const ctx: SipSetupContext = {
    repos,
    livekit,
    ...(deps.sinch ? { sinch: deps.sinch } : {}),
    config,
    inflight,
    now,
    logger,
    executor,
    lookupIpv4: opts.lookupIpv4 ?? defaultLookup,
    conflictCheckMs: opts.conflictCheckMs ?? 2000,
    notifier: () => {
      if (!notifier) throw new Error('sip-setup feature used before register()');
      return notifier;
    },
    announce,
    scheduleRetry: () => recovery.scheduleRetry(),
  };

  return {
    name: 'sip-setup',
    register(fc: FeatureContext) {
      notifier = fc.notifier;
      registerSlackHandlers(fc, ctx);
    },
    async start() {
      await recovery.recover();
      recovery.startSweep();
    },
    async stop() {
      recovery.stop();
    },
  };
}

/** The form (bare `/sip-setup`, an edit, the New binding button), list, show, import and delete. */
function registerSlackHandlers(fc: FeatureContext, ctx: SipSetupContext): void {
  fc.setup.setFallback(openFormHandler(ctx, fc.setup));
  fc.setup.add({
    name: 'list',
    usage: 'list [failing | <prefix>] [page <n>]',
    summary: 'bindings, failing first, a page at a time',
    run: listHandler(ctx),
  });
  fc.setup.add({
    name: 'show',
    usage: 'show <name>',
    summary: 'one binding: desired vs actual LiveKit state, drift marked',
    run: showHandler(ctx),
  });
  fc.setup.add({
    name: 'import',
    usage: 'import <name> inbound=ST_… rule=SDR_… outbound=ST_…',
    summary: 'adopt resources made with `lk` as a binding',
    adminOnly: true,
    run: importHandler(ctx),
  });
  fc.setup.add({
    name: 'delete',
    usage: 'delete <name>',
    summary: 'delete a binding and its LiveKit resources (asks first)',
    adminOnly: true,
    run: deleteCommandHandler(ctx),
  });
  fc.listeners.view(BINDING_MODAL_CALLBACK, formSubmitHandler(ctx));
  fc.listeners.view(DELETE_CONFIRM_CALLBACK, deleteConfirmHandler(ctx));
  fc.listeners.action<BlockAction<ButtonAction>>(NEW_BINDING_ACTION, newBindingButtonHandler(ctx));
}
