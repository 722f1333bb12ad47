/**
 * The floor for the ack benchmark: a Bolt app that only acknowledges, in its own process, with the
 * reply in ACK_TEXT (the bench passes the text SIP Ops answers, so both send the same bytes).
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

async function main(): Promise<void> {
  const secret = process.env.SLACK_SIGNING_SECRET ?? '';
  const receiver = new HTTPReceiver({ signingSecret: secret, logLevel: LogLevel.ERROR });
  const app = new App({ token: 'xoxb-bench', botId: 'B1', botUserId: 'U1', receiver, logLevel: LogLevel.ERROR });
  app.command('/sip-setup', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: process.env.ACK_TEXT ?? 'ok' });
  });
  const server = (await app.start(0)) as unknown as Server;
  process.stdout.write(
    `${JSON.stringify({ port: (server.address() as AddressInfo).port, msg: 'bare bolt listening' })}\n`,
  );
  process.on('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
}

void main();
