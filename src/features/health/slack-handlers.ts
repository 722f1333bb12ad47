/**
 * The health feature's Slack entry points: `/sip-setup check [name]`, the "Check again" /
 * "Run checks for this binding" button (put on messages by other features too) and "Run again".
 * Each acks at once and does the work after the ack inside `inflight.track`.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AppDeps } from '../../app';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import type { SubcommandContext } from '../../slack/subcommand-router';
import { summaryOf, type HealthDelivery } from './delivery';
import { publishHome, type HomeDeps } from './home';
import { bindingCheckMessage } from './messages';
import type { HealthRunner } from './runner';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export interface HandlerDeps {
  deps: Pick<AppDeps, 'repos' | 'config' | 'inflight'>;
  logger: Logger;
  runner: Pick<HealthRunner, 'runAll' | 'checkBinding'>;
  delivery: Pick<HealthDelivery, 'deliverSummary' | 'alertsOf'>;
  home: HomeDeps;
}

/** `/sip-setup check [name]`: one binding's findings, or the summary of every binding, in place of the ack. */
export function checkCommand(h: HandlerDeps): (ctx: SubcommandContext) => Promise<void> {
  const tz = h.deps.config.summary.timezone;
  return async ({ args, argv }) => {
    const { command, ack, respond } = args;
    const name = (argv[0] ?? '').toLowerCase();
    if (name && !(await h.deps.repos.bindings.get(name))) {
      await ack({ response_type: 'ephemeral', text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.` });
      return;
    }
    await ack({ response_type: 'ephemeral', text: name ? `⏳ Running checks for ${code(name)}…` : '⏳ Running checks on every binding…' });
    const work = async (): Promise<void> => {
      try {
        const msg = name
          ? await h.runner.checkBinding(name).then((run) => bindingCheckMessage(run.report, name, { at: run.finishedAt, wallMs: run.wallMs, timeZone: tz }))
          : await h.runner.runAll('manual').then((run) => summaryOf(run, tz, 'command', command.user_id));
        await respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        h.logger.error({ err, binding: name || undefined }, 'health: /sip-setup check failed');
        await respond({ response_type: 'ephemeral', replace_original: true, text: `❌ The check could not run: ${escapeMrkdwn((err as Error).message)}` }).catch(() => undefined);
      }
    };
    void h.deps.inflight.track(`health:check:${name || 'all'}`, work());
  };
}

/** The check button: the binding's findings to the clicker (or the Home tab again when clicked there). */
export function checkBindingButton(h: HandlerDeps): (args: ButtonArgs) => Promise<void> {
  const tz = h.deps.config.summary.timezone;
  return async ({ ack, action, respond, body, client }) => {
    await ack();
    const name = (action.value ?? '').toLowerCase();
    const fromView = body.container?.type === 'view';
    const work = async (): Promise<void> => {
      try {
        const binding = name ? await h.deps.repos.bindings.get(name) : undefined;
        if (!binding) {
          if (!fromView) await respond({ response_type: 'ephemeral', replace_original: false, text: `There is no binding named ${code(name || '(none)')} any more.` });
          return;
        }
        const run = await h.runner.checkBinding(name);
        if (fromView) {
          await publishHome(h.home, client, body.user.id);
          return;
        }
        const msg = bindingCheckMessage(run.report, name, { at: run.finishedAt, wallMs: run.wallMs, timeZone: tz });
        await respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        h.logger.error({ err, binding: name }, 'health: check button failed');
      }
    };
    void h.deps.inflight.track(`health:check-button:${name}`, work());
  };
}

/** "Run again" / "Run all checks": a full run whose summary is posted (or the Home tab refreshed). */
export function runAgainButton(h: HandlerDeps): (args: ButtonArgs) => Promise<void> {
  return async ({ ack, respond, body, client }) => {
    await ack();
    const user = body.user.id;
    const fromView = body.container?.type === 'view';
    const channel = h.deps.config.summary.channel ?? body.channel?.id;
    const work = async (): Promise<void> => {
      try {
        if (!fromView) {
          const where = channel ? ' The new summary is posted in this channel when it is done.' : '';
          await respond({ response_type: 'ephemeral', replace_original: false, text: `⏳ Running every check again.${where}` }).catch(() => undefined);
        }
        const run = await h.runner.runAll('manual');
        await Promise.all([h.delivery.deliverSummary(run, { ...(channel ? { channel } : {}), requestedBy: user }), h.delivery.alertsOf(run.id)]);
        if (fromView) await publishHome(h.home, client, user);
      } catch (err) {
        h.logger.error({ err }, 'health: run again failed');
      }
    };
    void h.deps.inflight.track('health:run-again', work());
  };
}
