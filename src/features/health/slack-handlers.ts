/**
 * The health feature's Slack entry points: `/sip-setup check [name]`, the "Check again" /
 * "Run checks for this binding" button (put on messages by other features too) and "Run again".
 * Each acks at once and does the work after the ack inside `inflight.track`.
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  OverflowAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import type { Logger } from 'pino';
import { checkBindingRef, decodeBindingRef, olderPayload } from '../../slack/binding-ref';
import { code, escapeMrkdwn } from '../../slack/mrkdwn';
import { pressKey } from '../../slack/press-key';
import type { SubcommandContext } from '../../slack/subcommand-router';
import type { AppDeps } from '../feature';
import { summaryOf, type HealthDelivery } from './delivery';
import { publishHome, type HomeDeps } from './home';
import { bindingCheckMessage, decodeHomeChoice, decodeRunAgain, HOME_RUN } from './messages';
import type { HealthRunner } from './runner';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
export type MenuArgs = SlackActionMiddlewareArgs<BlockAction<OverflowAction>> & AllMiddlewareArgs;

export interface HandlerDeps {
  deps: Pick<AppDeps, 'repos' | 'config' | 'inflight' | 'now'>;
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
    const binding = name ? await h.deps.repos.bindings.get(name) : undefined;
    if (name && !binding) {
      await ack({
        response_type: 'ephemeral',
        text: `There is no binding named ${code(name)}. \`/sip-setup list\` shows them.`,
      });
      return;
    }
    await ack({
      response_type: 'ephemeral',
      text: name ? `⏳ Running checks for ${code(name)}…` : '⏳ Running checks on every binding…',
    });
    const work = async (): Promise<void> => {
      try {
        const msg = name
          ? await h.runner.checkBinding(name).then((run) =>
              bindingCheckMessage(run.report, name, {
                at: run.finishedAt,
                wallMs: run.wallMs,
                timeZone: tz,
                ...(binding ? { bindingId: binding.id } : {}),
              }),
            )
          : await h.runner.runAll('manual').then((run) => summaryOf(run, tz, 'command', command.user_id));
        await respond({ response_type: 'ephemeral', replace_original: true, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        h.logger.error({ err, binding: name || undefined }, 'health: /sip-setup check failed');
        await respond({
          response_type: 'ephemeral',
          replace_original: true,
          text: `❌ The check could not run: ${escapeMrkdwn((err as Error).message)}`,
        }).catch(() => undefined);
      }
    };
    void h.deps.inflight.track(`health:check:${name || 'all'}`, work());
  };
}

/** Answers a button privately: an ephemeral line under a message, or a notice on the Home tab. */
function teller(h: HandlerDeps, args: ButtonArgs | MenuArgs): (text: string) => Promise<void> {
  const { body, respond, client } = args;
  return async (text) => {
    if (body.container?.type === 'view') await publishHome(h.home, client, body.user.id, text);
    else await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}

/** False when this press was acted on already (a Slack retry or a replayed payload). */
async function firstPress(
  h: HandlerDeps,
  body: BlockAction,
  action: { action_id: string; block_id?: string; action_ts?: string; value?: string },
): Promise<boolean> {
  const first = await h.deps.repos.presses.claim(
    pressKey(body, action),
    { actionId: action.action_id, userId: body.user.id },
    h.deps.now(),
  );
  if (!first)
    h.logger.info(
      { user: body.user.id, action: action.action_id },
      'health: press already handled (Slack retry or replay); ignored',
    );
  return first;
}

/**
 * The check button: the binding's findings to the clicker (or the Home tab again when clicked
 * there), only for the binding it was shown for (its identity, not its name).
 */
export function checkBindingButton(h: HandlerDeps): (args: ButtonArgs) => Promise<void> {
  const tz = h.deps.config.summary.timezone;
  return async (args) => {
    const { ack, action, respond, body, client } = args;
    await ack();
    const fromView = body.container?.type === 'view';
    const tell = teller(h, args);
    const ref = decodeBindingRef(action.value);
    const work = async (): Promise<void> => {
      try {
        if (!(await firstPress(h, body, action))) return;
        if (!ref) return await tell(olderPayload('button', '/sip-setup check <name>'));
        const check = await checkBindingRef(h.deps.repos.bindings, ref, 'button', (n) => `/sip-setup check ${n}`);
        if (!check.ok) return await tell(check.message);
        const run = await h.runner.checkBinding(ref.b);
        if (fromView) return await publishHome(h.home, client, body.user.id);
        const msg = bindingCheckMessage(run.report, ref.b, {
          at: run.finishedAt,
          wallMs: run.wallMs,
          timeZone: tz,
          bindingId: ref.bi,
        });
        await respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
      } catch (err) {
        h.logger.error({ err, binding: ref?.b }, 'health: check button failed');
      }
    };
    void h.deps.inflight.track(`health:check-button:${ref?.bi ?? 'old'}`, work());
  };
}

/** "Run again" / "Run all checks": a full run whose summary is posted (or the Home tab refreshed); one press runs once. */
export function runAgainButton(h: HandlerDeps): (args: ButtonArgs) => Promise<void> {
  return async (args) => {
    const { ack, respond, body, client, action } = args;
    await ack();
    const user = body.user.id;
    const fromView = body.container?.type === 'view';
    const channel = h.deps.config.summary.channel ?? body.channel?.id;
    const tell = teller(h, args);
    const work = async (): Promise<void> => {
      try {
        if (!(await firstPress(h, body, action))) return;
        const value = decodeRunAgain(action.value);
        if (!value) return await tell(olderPayload('button', '/sip-setup check'));
        if (value.r !== HOME_RUN && !(await h.deps.repos.healthRuns.get(value.r))) {
          return await tell(
            '⚠️ This button was for a health run SIP Ops no longer knows. Nothing was run; `/sip-setup check` runs every check now.',
          );
        }
        if (!fromView) {
          const where = channel ? ' The new summary is posted in this channel when it is done.' : '';
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: `⏳ Running every check again.${where}`,
          }).catch(() => undefined);
        }
        const run = await h.runner.runAll('manual');
        await Promise.all([
          h.delivery.deliverSummary(run, { ...(channel ? { channel } : {}), requestedBy: user }),
          h.delivery.alertsOf(run.id),
        ]);
        if (fromView) await publishHome(h.home, client, user);
      } catch (err) {
        h.logger.error({ err }, 'health: run again failed');
      }
    };
    void h.deps.inflight.track('health:run-again', work());
  };
}

/**
 * A binding's menu on the Home tab: "Check now" runs its checks and refreshes the tab; "Test call"
 * says how to place one (test calls are posted in the channels TEST_CALL_CHANNEL_IDS allows).
 * Both act only on the binding the tab was published for.
 */
export function homeMenu(h: HandlerDeps): (args: MenuArgs) => Promise<void> {
  return async (args) => {
    const { ack, action, body, client } = args;
    await ack();
    const tell = teller(h, args);
    const value = action.selected_option.value;
    const work = async (): Promise<void> => {
      try {
        if (!(await firstPress(h, body, { ...action, value }))) return;
        const choice = decodeHomeChoice(value);
        if (!choice) return await tell(olderPayload('button', '/sip-setup list'));
        const reopen = (n: string): string =>
          choice.a === 'check' ? `/sip-setup check ${n}` : `/sip-test-call ${n} <number>`;
        const check = await checkBindingRef(h.deps.repos.bindings, { b: choice.b, bi: choice.bi }, 'button', reopen);
        if (!check.ok) return await tell(check.message);
        if (choice.a === 'test') return await tell(testCallHint(h, choice.b));
        await h.runner.checkBinding(choice.b);
        await publishHome(h.home, client, body.user.id);
      } catch (err) {
        h.logger.error({ err }, 'health: Home menu failed');
      }
    };
    void h.deps.inflight.track('health:home-menu', work());
  };
}

function testCallHint(h: HandlerDeps, name: string): string {
  const channels = h.deps.config.testCall.channelIds;
  const where = channels.length
    ? ` in ${channels
        .slice(0, 5)
        .map((c) => `<#${c}>`)
        .join(' or ')}`
    : '';
  return `📞 To test ${code(name)}, type \`/sip-test-call ${name} <number>\`${where}. The call's thread and verdict are posted there.`;
}
