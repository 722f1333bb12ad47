import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Child {
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (sig: NodeJS.Signals) => void;
}

/** Runs the service entry point (`src/main.ts`) as its own process, as `npm start` does with the build. */
export function startProcess(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exit, stdout: () => out, stderr: () => err, kill: (s) => child.kill(s) };
}

/**
 * The port the service listens on, once it says so. Waits for that line or the process's exit (a
 * slow start on a busy machine is not a failure; the test's own timeout bounds the wait).
 */
export async function waitForPort(child: Child): Promise<number> {
  let exited = false;
  void child.exit.then(() => (exited = true));
  for (;;) {
    for (const line of child.stdout().split('\n')) {
      if (!line.includes('SIP Ops is listening')) continue;
      const parsed = JSON.parse(line) as { port: number };
      return parsed.port;
    }
    if (exited) throw new Error(`service did not start: ${child.stderr()} ${child.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
