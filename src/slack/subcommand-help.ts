import type { SetupCommandRouter, Subcommand } from './subcommand-router';

export function helpText(router: SetupCommandRouter): string {
  const lines = [
    '*SIP Ops* wires a Sinch Elastic SIP Trunk to LiveKit: an inbound trunk with your DIDs, a dispatch rule and an outbound trunk, kept together as one *binding*.',
    '',
    '*`/sip-setup`* commands:',
    '• `/sip-setup` — create a binding (opens a form)',
    '• `/sip-setup <name>` — edit a binding',
    ...router
      .list()
      .filter((s) => s.name !== 'help')
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => `• \`/sip-setup ${s.usage}\` — ${s.summary}`),
    '• `/sip-setup help` — this text',
    '',
    '*`/sip-test-call <binding> <number> [timeout-seconds]`* — place an outbound test call through a binding and get the outcome with a diagnosis.',
  ];
  return lines.join('\n');
}

export function helpSubcommand(router: SetupCommandRouter): Subcommand {
  // Subcommands are all registered before the first request; the text is built once, on first use.
  let text: string | undefined;
  return {
    name: 'help',
    usage: 'help',
    summary: 'what these commands do',
    async run({ args }) {
      text ??= helpText(router);
      await args.ack({ response_type: 'ephemeral', text });
    },
  };
}

/** Edit distance of two short words (Levenshtein). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The subcommand `word` was most likely meant to be (a typo within two edits, or a prefix), if any. */
export function didYouMean(router: SetupCommandRouter, word: string): string | undefined {
  const w = word.toLowerCase();
  if (!w) return undefined;
  const names = router.list().map((s) => s.name);
  const scored = names
    .map((n) => ({ n, d: n.startsWith(w) && w.length >= 2 ? 0.5 : distance(w, n) }))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  const best = scored[0];
  return best && best.d <= Math.min(2, Math.max(1, Math.floor(w.length / 2))) ? best.n : undefined;
}

/** `/sip-setup <word>` where `word` is neither a command nor a binding: help, with the likely command first. */
export function unknownCommandText(router: SetupCommandRouter, word: string): string {
  const shown = word.replace(/[`<>&*_~]/g, '').slice(0, 40);
  const guess = didYouMean(router, word);
  const head = `\`${shown}\` is not a \`/sip-setup\` command, and there is no binding by that name.${guess ? ` Did you mean \`/sip-setup ${guess}\`?` : ''}`;
  return `${head}\n\n${helpText(router)}`;
}

/** A non-admin's bare `/sip-setup`: what they can do, and who can change bindings. */
export function readerText(router: SetupCommandRouter): string {
  const open = router
    .list()
    .filter((s) => !s.adminOnly && s.name !== 'help')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => `• \`/sip-setup ${s.usage}\` — ${s.summary}`);
  return [
    'Creating, changing and deleting SIP bindings is for SIP Ops admins (their user IDs are in `ADMIN_USER_IDS`). You can:',
    ...open,
    '• `/sip-test-call <binding> <number>` — place a test call through a binding (in the channels allowed for test calls)',
    '• the *Home* tab of SIP Ops — every binding with its last check and test call',
    '• `/sip-setup help` — all commands',
  ].join('\n');
}
