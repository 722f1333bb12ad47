/**
 * Slash commands, block actions and modal submissions, routed by name in one Bolt listener per kind.
 *
 * Bolt runs the matching middleware of every registered listener for every request, so each
 * `app.action(…)`/`app.view(…)` a feature adds makes every acknowledgement a little slower (nine
 * listeners cost about 15–25 % of the ack time of a bare Bolt app; see bench/). Here features
 * register handlers by command name, `action_id` or `callback_id`, and three Bolt listeners find
 * them with a map lookup. Requests nobody handles are acknowledged, so Slack shows no error.
 */
import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';

export type CommandHandlerArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
export type ActionHandlerArgs<A extends SlackAction = BlockAction> = SlackActionMiddlewareArgs<A> & AllMiddlewareArgs;
export type ViewHandlerArgs<V extends SlackViewAction = ViewSubmitAction> = SlackViewMiddlewareArgs<V> & AllMiddlewareArgs;

type Handler<T> = (args: T) => Promise<void>;

export class SlackListeners {
  private readonly commands = new Map<string, Handler<CommandHandlerArgs>>();
  private readonly actions = new Map<string, Handler<ActionHandlerArgs<SlackAction>>>();
  private readonly views = new Map<string, Handler<ViewHandlerArgs<SlackViewAction>>>();

  /** A slash command, by its name (`/sip-setup`). */
  command(name: string, handler: Handler<CommandHandlerArgs>): void {
    add(this.commands, name, handler, 'command');
  }

  /**
   * A block action, by `action_id`. `A` narrows the payload the way Bolt's own `app.action<A>()`
   * does: by declaration, since the `action_id` decides which element sent it.
   */
  action<A extends BlockAction = BlockAction>(actionId: string, handler: Handler<ActionHandlerArgs<A>>): void {
    add(this.actions, actionId, handler as unknown as Handler<ActionHandlerArgs<SlackAction>>, 'action');
  }

  /** A modal submission, by the view's `callback_id`. */
  view(callbackId: string, handler: Handler<ViewHandlerArgs>): void {
    add(this.views, callbackId, handler as unknown as Handler<ViewHandlerArgs<SlackViewAction>>, 'view');
  }

  /** Registers the three Bolt listeners that route to the handlers. */
  install(bolt: App): void {
    bolt.command(/.*/, async (args) => {
      const h = this.commands.get(args.command.command);
      if (h) await h(args);
      else await args.ack({ response_type: 'ephemeral', text: `This app does not handle ${args.command.command}.` });
    });
    bolt.action(/.*/, async (args) => {
      const id = args.body.type === 'block_actions' ? (args.action as { action_id?: string }).action_id : undefined;
      const h = id === undefined ? undefined : this.actions.get(id);
      if (h) await h(args);
      else await args.ack();
    });
    bolt.view({ callback_id: /.*/, type: 'view_submission' }, async (args) => {
      const h = this.views.get(args.view.callback_id);
      if (h) await h(args);
      else await args.ack();
    });
  }
}

function add<T>(map: Map<string, T>, key: string, handler: T, kind: string): void {
  if (map.has(key)) throw new Error(`${kind} ${key} has two handlers`);
  map.set(key, handler);
}
