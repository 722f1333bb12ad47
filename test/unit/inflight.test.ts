import { InflightWork } from '../../src/inflight';

/** A promise settled from outside. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets promise callbacks run (no timers involved). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('InflightWork.track', () => {
  it('returns the promise it was given and lists the work until it settles', async () => {
    const work = new InflightWork();
    const a = deferred<string>();
    const b = deferred();
    const tracked = work.track('test-call:acme', a.promise);
    work.track('sip-setup:acme', b.promise);
    expect(tracked).toBe(a.promise);
    expect(work.size).toBe(2);
    expect(work.labels()).toEqual(['test-call:acme', 'sip-setup:acme']);

    a.resolve('done');
    await expect(tracked).resolves.toBe('done');
    await settle();
    expect(work.labels()).toEqual(['sip-setup:acme']);
    b.resolve();
    await settle();
    expect(work.size).toBe(0);
  });

  it('forgets rejected work too; the rejection still reaches the caller', async () => {
    const work = new InflightWork();
    const a = deferred();
    const tracked = work.track('post', a.promise);
    a.reject(new Error('boom'));
    await expect(tracked).rejects.toThrow('boom');
    await settle();
    expect(work.size).toBe(0);
  });

  it('keeps two pieces of work with the same label apart', async () => {
    const work = new InflightWork();
    const a = deferred();
    const b = deferred();
    work.track('same', a.promise);
    work.track('same', b.promise);
    a.resolve();
    await settle();
    expect(work.labels()).toEqual(['same']);
  });
});

describe('InflightWork.drain', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('stops accepting and returns nothing when there is no work', async () => {
    const work = new InflightWork();
    expect(work.accepting).toBe(true);
    await expect(work.drain(1000)).resolves.toEqual([]);
    expect(work.accepting).toBe(false);
  });

  it('waits for work that finishes in time and leaves the abort hooks alone', async () => {
    const work = new InflightWork();
    const a = deferred();
    const hook = jest.fn();
    work.onAbort(hook);
    work.track('test-call:acme', a.promise);
    const drained = work.drain(60_000);
    await settle();
    expect(work.accepting).toBe(false);
    a.resolve();
    await expect(drained).resolves.toEqual([]);
    expect(hook).not.toHaveBeenCalled();
  });

  it('runs every abort hook when time is up, also after one throws, and returns what the hooks ended', async () => {
    jest.useFakeTimers();
    const work = new InflightWork();
    const call = deferred();
    const calls: string[] = [];
    work.onAbort(() => {
      calls.push('first');
      throw new Error('hook failed');
    });
    work.onAbort(async () => {
      calls.push('second');
      call.resolve();
    });
    work.track('test-call:acme', call.promise);
    const drained = work.drain(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await jest.advanceTimersByTimeAsync(100);
    await expect(drained).resolves.toEqual([]);
    expect(calls).toEqual(['first', 'second']);
  });

  it('a removed hook is not run', async () => {
    jest.useFakeTimers();
    const work = new InflightWork();
    const call = deferred();
    const removed = jest.fn();
    const unhook = work.onAbort(removed);
    work.onAbort(() => call.resolve());
    unhook();
    work.track('test-call:acme', call.promise);
    const drained = work.drain(0);
    await jest.advanceTimersByTimeAsync(100);
    await expect(drained).resolves.toEqual([]);
    expect(removed).not.toHaveBeenCalled();
  });

  it('returns the labels of work still running after the hooks and their grace period', async () => {
    jest.useFakeTimers();
    const work = new InflightWork();
    const stuck = deferred();
    const hook = jest.fn();
    work.onAbort(hook);
    work.track('sip-setup:acme', stuck.promise);
    let result: string[] | undefined;
    void work.drain(500).then((r) => (result = r));
    await jest.advanceTimersByTimeAsync(500);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(result).toBeUndefined(); // still inside the grace period
    await jest.advanceTimersByTimeAsync(2100);
    expect(result).toEqual(['sip-setup:acme']);
  });
});
