import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export interface SubcommandContext {
  args: CommandArgs;
  /** Words after the subcommand name. */
  argv: string[];
  /** Text after the subcommand name, as typed. */
  rest: string;
}

export interface Subcommand {
  name: string;
  usage: string; // e.g. "show <name>"
  summary: string;
  /** Only SIP Ops admins may run it (left out of what a non-admin is told they can do). */
  adminOnly?: boolean;
  /** Must ack within Slack's 3 s (ack first, then work). */
  run(ctx: SubcommandContext): Promise<void>;
}

/**
 * `/sip-setup <subcommand> …` routing. Features add subcommands; a first word that is
 * not a subcommand goes to the fallback (open the binding modal for that name).
 */
export class SetupCommandRouter {
  private readonly subs = new Map<string, Subcommand>();
  private fallback: ((ctx: SubcommandContext & { name: string }) => Promise<void>) | undefined;

  add(sub: Subcommand): void {
    if (this.subs.has(sub.name)) throw new Error(`subcommand ${sub.name} registered twice`);
    this.subs.set(sub.name, sub);
  }

  /** `/sip-setup` with no argument (name = '') or with a binding name. */
  setFallback(fn: (ctx: SubcommandContext & { name: string }) => Promise<void>): void {
    this.fallback = fn;
  }

  list(): Subcommand[] {
    return [...this.subs.values()];
  }

  async dispatch(args: CommandArgs): Promise<void> {
    const text = (args.command.text ?? '').trim();
    const [first = '', ...argv] = text.split(/\s+/).filter((w) => w.length > 0);
    const rest = text.slice(first.length).trim();
    const sub = this.subs.get(first.toLowerCase());
    if (sub) {
      await sub.run({ args, argv, rest });
      return;
    }
    if (this.fallback) {
      await this.fallback({ args, argv, rest, name: first });
      return;
    }
    const help = this.subs.get('help');
    if (help) await help.run({ args, argv: [], rest: '' });
    else await args.ack({ response_type: 'ephemeral', text: 'Unknown /sip-setup command. Try `/sip-setup help`.' });
  }
}
