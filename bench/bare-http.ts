/**
 * The floor for the webhook benchmark: a node:http server that reads each body and answers 200,
 * nothing else, in its own process. What the load generator itself can push shows here.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ port: (server.address() as AddressInfo).port, msg: 'bare http listening' })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
