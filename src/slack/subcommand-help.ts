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
