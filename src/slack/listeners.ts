/**
 * Slash commands, block actions and modal submissions, routed by name in one global Bolt middleware.
 *
 * Bolt runs the matching middleware of every registered listener for every request, so each
 * `app.action(…)`/`app.view(…)` a feature adds makes every acknowledgement a little slower (eight
 * listeners made an ack 10–35 % slower than a bare Bolt app with one; see bench/). Here
 * features register handlers by command name, `action_id` or `callback_id`, and one middleware
 * finds them with a map lookup and answers the request without going through Bolt's listener
 * fan-out. Bolt's built-in middleware (ignoring the bot's own events) still runs first; anything
 * else (Events API events such as `app_home_opened`) goes on to Bolt's listeners. Requests nobody
 * handles are acknowledged, so Slack shows no error; a handler's error reaches Bolt's error handler
 * as a listener's would.
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
export type ViewHandlerArgs<V extends SlackViewAction = ViewSubmitAction> = SlackViewMiddlewareArgs<V> &
  AllMiddlewareArgs;

type Handler<T> = (args: T) => Promise<void>;

export class SlackListeners {
  private readonly commands = new Map<string, Handler<CommandHandlerArgs>>();
  private readonly actions = new Map<string, Handler<ActionHandlerArgs<SlackAction>>>();
  private readonly views = new Map<string, Handler<ViewHandlerArgs<SlackViewAction>>>();
  /** Options of a menu (overflow or select) handled apart from the menu's own handler, by `action_id` and value prefix. */
  private readonly options = new Map<string, Handler<ActionHandlerArgs<SlackAction>>>();

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

  /**
   * The options of a menu (`action_id`) whose value starts with `valuePrefix`: they go to this
   * handler instead of the menu's own. So one feature can add an option to a menu another feature
   * puts on a view (a binding's menu on the App Home) without either importing the other.
   */
  option<A extends BlockAction = BlockAction>(
    actionId: string,
    valuePrefix: string,
    handler: Handler<ActionHandlerArgs<A>>,
  ): void {
    if (!valuePrefix) throw new Error(`option of ${actionId} needs a value prefix`);
    add(
      this.options,
      `${actionId}\u0000${valuePrefix}`,
      handler as unknown as Handler<ActionHandlerArgs<SlackAction>>,
      'option',
    );
  }

  /** A modal submission, by the view's `callback_id`. */
  view(callbackId: string, handler: Handler<ViewHandlerArgs>): void {
    add(this.views, callbackId, handler as unknown as Handler<ViewHandlerArgs<SlackViewAction>>, 'view');
  }

  private optionHandler(
    actionId: string,
    value: string | undefined,
  ): Handler<ActionHandlerArgs<SlackAction>> | undefined {
    if (value === undefined || this.options.size === 0) return undefined;
    for (const [key, handler] of this.options) {
      const [id, prefix] = key.split('\u0000') as [string, string];
      if (id === actionId && value.startsWith(prefix)) return handler;
    }
    return undefined;
  }

  /** Registers the routing middleware (it runs after Bolt's built-in ones; listeners see only what it passes on). */
  install(bolt: App): void {
    bolt.use(async (args) => {
      const body = args.body as { type?: string; command?: string };
      if (typeof body.command === 'string') {
        const a = args as unknown as CommandHandlerArgs;
        const h = this.commands.get(body.command);
        if (h) await h(a);
        else await a.ack({ response_type: 'ephemeral', text: `This app does not handle ${body.command}.` });
        return;
      }
      if (body.type === 'block_actions') {
        const a = args as unknown as ActionHandlerArgs<SlackAction>;
        const action = a.action as { action_id?: string; selected_option?: { value?: string } } | undefined;
        const id = action?.action_id;
        const h =
          id === undefined
            ? undefined
            : (this.optionHandler(id, action?.selected_option?.value) ?? this.actions.get(id));
        if (h) await h(a);
        else await a.ack();
        return;
      }
      if (body.type === 'view_submission') {
        const a = args as unknown as ViewHandlerArgs<SlackViewAction>;
        const h = this.views.get(a.view.callback_id);
        if (h) await h(a);
        else await a.ack();
        return;
      }
      await args.next();
    });
  }
}

function add<T>(map: Map<string, T>, key: string, handler: T, kind: string): void {
  if (map.has(key)) throw new Error(`${kind} ${key} has two handlers`);
  map.set(key, handler);
}
