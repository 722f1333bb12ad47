import { KeyedSerialQueue } from '../../../../src/features/inbound/room-queue';

/** A promise the test resolves by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('KeyedSerialQueue', () => {
  it('runs the tasks of one key one after another, in the order queued', async () => {
    const q = new KeyedSerialQueue(() => undefined);
    const log: string[] = [];
    const first = gate();
    void q.run('room-a', async () => {
      log.push('a1 start');
      await first.promise;
      log.push('a1 end');
    });
    const second = q.run('room-a', async () => {
      log.push('a2');
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a1 start']);
    first.open();
    await second;
    expect(log).toEqual(['a1 start', 'a1 end', 'a2']);
  });

  it('runs tasks of different keys in parallel', async () => {
    const q = new KeyedSerialQueue(() => undefined);
    const blocked = gate();
    const log: string[] = [];
    void q.run('room-a', () => blocked.promise);
    await q.run('room-b', async () => {
      log.push('b ran while a waits');
    });
    expect(log).toEqual(['b ran while a waits']);
    expect(q.size).toBe(1);
    blocked.open();
    await q.idle();
    expect(q.size).toBe(0);
  });

  it('reports a failed task with its key and goes on with the next one', async () => {
    const errors: Array<[unknown, string]> = [];
    const q = new KeyedSerialQueue((err, key) => {
      errors.push([err, key]);
    });
    const boom = new Error('boom');
    const failed = q.run('room-a', async () => {
      throw boom;
    });
    await expect(failed).resolves.toBeUndefined();
    let ran = false;
    await q.run('room-a', async () => {
      ran = true;
    });
    expect(errors).toEqual([[boom, 'room-a']]);
    expect(ran).toBe(true);
  });

  it('is idle only when the tasks queued meanwhile by running tasks have run too', async () => {
    const q = new KeyedSerialQueue(() => undefined);
    const log: string[] = [];
    void q.run('room-a', async () => {
      await new Promise((r) => setTimeout(r, 5));
      void q.run('room-b', async () => {
        await new Promise((r) => setTimeout(r, 5));
        log.push('b (queued by a)');
      });
      log.push('a');
    });
    await q.idle();
    expect(log).toEqual(['a', 'b (queued by a)']);
    expect(q.size).toBe(0);
  });
});
