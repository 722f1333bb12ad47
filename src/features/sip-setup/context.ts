/**
 * What every `/sip-setup` module works with: the app's dependencies, the change executor, the
 * admin rule, and the two hooks that tie modules together (announce in a report channel,
 * schedule a recovery retry).
 */
import type { Logger } from 'pino';
import type { SlackMessage } from '../../slack/block-kit';
import type { PacedNotifier } from '../../slack/paced-notifier';
import type { AppDeps } from '../feature';
import type { ChangeExecutor } from './change-executor';

export interface SipSetupContext {
  repos: AppDeps['repos'];
  livekit: AppDeps['livekit'];
  /** Sinch's APIs when an access key is configured (the EST side can be managed). */
  sinch?: AppDeps['sinch'];
  config: AppDeps['config'];
  inflight: AppDeps['inflight'];
  now: () => Date;
  logger: Logger;
  executor: ChangeExecutor;
  /** IPv4 of the LiveKit public SIP host for the ACL line. */
  lookupIpv4: (host: string) => Promise<string | undefined>;
  /** How long submit validation waits for LiveKit. */
  conflictCheckMs: number;
  /** The app's paced notifier (every message to a channel goes through it); throws before register(). */
  notifier: () => PacedNotifier;
  /** Post in a report channel; failures are logged, never thrown. */
  announce: (channel: string, msg: SlackMessage) => Promise<void>;
  /** Run recovery again later (a rollback could not finish). */
  scheduleRetry: () => void;
}

export function isAdmin(ctx: Pick<SipSetupContext, 'config'>, user: string): boolean {
  return ctx.config.adminUserIds.includes(user);
}

export function refusal(what: string): string {
  return `Only SIP Ops admins can ${what}. Ask an admin, or have your user ID added to \`ADMIN_USER_IDS\`.`;
}
