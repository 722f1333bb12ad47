import {
  didYouMean,
  helpSubcommand,
  helpText,
  readerText,
  unknownCommandText,
} from '../../../src/slack/subcommand-help';
import type { CommandArgs, SubcommandContext } from '../../../src/slack/subcommand-router';
import { SetupCommandRouter } from '../../../src/slack/subcommand-router';

/** Just what the router touches: the command text and `ack`. */
function commandArgs(text: string | undefined): { args: CommandArgs; acks: unknown[] } {
  const acks: unknown[] = [];
  const args = { command: { text }, ack: async (r?: unknown) => void acks.push(r) } as unknown as CommandArgs;
  return { args, acks };
}

function recorder() {
  const calls: Array<{ sub: string; argv: string[]; rest: string; name?: string }> = [];
  const run = (sub: string) => async (c: SubcommandContext & { name?: string }) =>
    void calls.push({ sub, argv: c.argv, rest: c.rest, ...(c.name !== undefined ? { name: c.name } : {}) });
  return { calls, run };
}

describe('SetupCommandRouter', () => {
  it('routes the first word (any case) to its subcommand with the other words and the rest as typed', async () => {
    const router = new SetupCommandRouter();
    const { calls, run } = recorder();
    router.add({ name: 'show', usage: 'show <name>', summary: 's', run: run('show') });
    router.add({ name: 'list', usage: 'list', summary: 'l', run: run('list') });
    await router.dispatch(commandArgs('  SHOW   acme-us   extra  ').args);
    await router.dispatch(commandArgs('list').args);
    expect(calls).toEqual([
      { sub: 'show', argv: ['acme-us', 'extra'], rest: 'acme-us   extra' },
      { sub: 'list', argv: [], rest: '' },
    ]);
  });

  it('sends an unknown first word, or nothing, to the fallback with that word as the name', async () => {
    const router = new SetupCommandRouter();
    const { calls, run } = recorder();
    router.add({ name: 'list', usage: 'list', summary: 'l', run: run('list') });
    router.setFallback(run('fallback'));
    await router.dispatch(commandArgs('Acme-US more').args);
    await router.dispatch(commandArgs(undefined).args);
    await router.dispatch(commandArgs('   ').args);
    expect(calls).toEqual([
      { sub: 'fallback', argv: ['more'], rest: 'more', name: 'Acme-US' },
      { sub: 'fallback', argv: [], rest: '', name: '' },
      { sub: 'fallback', argv: [], rest: '', name: '' },
    ]);
  });

  it('without a fallback, an unknown word gets help, or a hint when there is no help', async () => {
    const withHelp = new SetupCommandRouter();
    withHelp.add(helpSubcommand(withHelp));
    const a = commandArgs('bogus');
    await withHelp.dispatch(a.args);
    expect(a.acks).toEqual([{ response_type: 'ephemeral', text: helpText(withHelp) }]);

    const bare = new SetupCommandRouter();
    const b = commandArgs('bogus');
    await bare.dispatch(b.args);
    expect(b.acks).toEqual([
      { response_type: 'ephemeral', text: 'Unknown /sip-setup command. Try `/sip-setup help`.' },
    ]);
  });

  it('refuses a subcommand registered twice', () => {
    const router = new SetupCommandRouter();
    router.add({ name: 'list', usage: 'list', summary: 'l', run: async () => undefined });
    expect(() => router.add({ name: 'list', usage: 'list', summary: 'again', run: async () => undefined })).toThrow(
      /registered twice/,
    );
  });
});

describe('help', () => {
  it('lists every subcommand but help itself, sorted, with its usage and summary, and help last', () => {
    const router = new SetupCommandRouter();
    router.add(helpSubcommand(router));
    router.add({ name: 'show', usage: 'show <name>', summary: 'one binding', run: async () => undefined });
    router.add({ name: 'delete', usage: 'delete <name>', summary: 'remove one', run: async () => undefined });
    const lines = helpText(router)
      .split('\n')
      .filter((l) => l.startsWith('• `/sip-setup'));
    expect(lines.slice(2)).toEqual([
      '• `/sip-setup delete <name>` — remove one',
      '• `/sip-setup show <name>` — one binding',
      '• `/sip-setup help` — this text',
    ]);
  });

  it('is built once, on first use, after every subcommand was added', async () => {
    const router = new SetupCommandRouter();
    const help = helpSubcommand(router);
    router.add(help);
    router.add({ name: 'list', usage: 'list', summary: 'all bindings', run: async () => undefined });
    const a = commandArgs('help');
    await router.dispatch(a.args);
    expect((a.acks[0] as { text: string }).text).toContain('`/sip-setup list` — all bindings');
  });
});

describe('help for a word that is not a command', () => {
  const router = new SetupCommandRouter();
  const noop = async (): Promise<void> => undefined;
  for (const [name, adminOnly] of [
    ['list', false],
    ['show', false],
    ['check', false],
    ['import', true],
    ['delete', true],
  ] as const) {
    router.add({
      name,
      usage: name === 'list' ? 'list' : `${name} <name>`,
      summary: `${name} things`,
      adminOnly,
      run: noop,
    });
  }
  router.add(helpSubcommand(router));

  it('guesses the command a typo or a prefix was meant to be, and nothing for a word far from all', () => {
    expect(['lsit', 'lst', 'LIST', 'sohw', 'chekc', 'del', 'imprt'].map((w) => didYouMean(router, w))).toEqual([
      'list',
      'list',
      'list',
      'show',
      'check',
      'delete',
      'import',
    ]);
    expect(['acme-us', 'x', '', 'zzzzzz'].map((w) => didYouMean(router, w))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('answers with the guess first, then the full help; user text cannot format it', () => {
    const text = unknownCommandText(router, 'lsit');
    expect(
      text.startsWith(
        '`lsit` is not a `/sip-setup` command, and there is no binding by that name. Did you mean `/sip-setup list`?\n\n',
      ),
    ).toBe(true);
    expect(text).toContain(helpText(router));
    expect(unknownCommandText(router, '<!channel>`x`')).toMatch(/^`!channelx` is not/);
  });

  it('tells a non-admin what they can run, leaving out admin-only commands', () => {
    const text = readerText(router);
    expect(text).toContain('`/sip-setup list` — list things');
    expect(text).toContain('`/sip-setup check <name>`');
    expect(text).not.toContain('/sip-setup delete');
    expect(text).not.toContain('/sip-setup import');
  });
});
