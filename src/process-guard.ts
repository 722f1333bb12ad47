import type { Logger } from 'pino';

/** What the last resort does with a fault nothing else caught. */
export type FaultAction = 'keep-serving' | 'restart';

/**
 * A rejected promise nobody awaited leaves no half-done synchronous state behind, so the process keeps
 * serving. A thrown exception unwound a stack midway (a transaction, a lock, a stream) and the process
 * state is unknown, unless it is a network error on one socket: those only end that connection.
 */
const SOCKET_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
]);

export function faultAction(origin: 'uncaughtException' | 'unhandledRejection', err: unknown): FaultAction {
  if (origin === 'unhandledRejection') return 'keep-serving';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_ERRORS.has(code) ? 'keep-serving' : 'restart';
}

/**
 * Installs the process-level last resort: log every stray fault; keep serving when safe, otherwise
 * shut down gracefully and exit non-zero so the supervisor restarts a clean process.
 */
export function installLastResort(opts: {
  logger: Logger;
  onFault?: (origin: string) => void;
  restart: (reason: string) => void;
}): () => void {
  let restarting = false;
  const handle = (origin: 'uncaughtException' | 'unhandledRejection', err: unknown): void => {
    const action = faultAction(origin, err);
    opts.onFault?.(origin);
    opts.logger.error({ err, origin, action }, 'fault reached the process-level last resort');
    if (action === 'restart' && !restarting) {
      restarting = true;
      opts.restart(`${origin}: ${(err as Error | null)?.message ?? String(err)}`);
    }
  };
  const onException = (err: Error): void => handle('uncaughtException', err);
  const onRejection = (reason: unknown): void => handle('unhandledRejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
