import {
  DEFAULT_NOISE_POLICY,
  emptyNoiseState,
  foldIntoNote,
  isShortCall,
  pruneNoiseState,
  recordCallEnd,
  shortCallCount,
  shouldHold,
  type NoiseState,
} from '../../../src/domain/inbound-noise';

const P = DEFAULT_NOISE_POLICY;
const MIN = 60_000;
const short = (endedAt: number) => ({ endedAt, durationMs: 1_000, agentJoined: false, media: false });

function calls(caller: string, ends: number[], state: NoiseState = emptyNoiseState()): NoiseState {
  return ends.reduce((s, t) => recordCallEnd(s, caller, short(t)), state);
}

describe('inbound noise detection', () => {
  it('defaults to < 5 s, 3 calls, 10 minutes', () => {
    expect(P).toEqual({ shortCallMs: 5_000, minCalls: 3, windowMs: 10 * MIN });
  });

  it('counts only short calls without agent, other participants or media', () => {
    expect(isShortCall({ durationMs: 4_999, agentJoined: false, media: false })).toBe(true);
    expect(isShortCall({ durationMs: 5_000, agentJoined: false, media: false })).toBe(false);
    expect(isShortCall({ durationMs: 1_000, agentJoined: true, media: false })).toBe(false);
    expect(isShortCall({ durationMs: 1_000, agentJoined: false, someoneJoined: true, media: false })).toBe(false);
    expect(isShortCall({ durationMs: 1_000, agentJoined: false, media: true })).toBe(false);
    expect(isShortCall({ agentJoined: false, media: false })).toBe(false);
    const s = recordCallEnd(emptyNoiseState(), 'b|+1', {
      endedAt: 1,
      durationMs: 60_000,
      agentJoined: false,
      media: false,
    });
    expect(s).toEqual(emptyNoiseState());
  });

  it('holds the third short call of a caller within the window, not the first two', () => {
    let s = emptyNoiseState();
    expect(shouldHold(s, 'b|+1', 0)).toBe(false);
    s = calls('b|+1', [1_000]);
    expect(shouldHold(s, 'b|+1', 2_000)).toBe(false);
    s = calls('b|+1', [3_000], s);
    expect(shortCallCount(s, 'b|+1', 4_000)).toBe(2);
    expect(shouldHold(s, 'b|+1', 4_000)).toBe(true);
    expect(shouldHold(s, 'b|+2', 4_000)).toBe(false); // another caller
  });

  it('forgets short calls older than the window', () => {
    const s = calls('b|+1', [0, 60_000]);
    expect(shouldHold(s, 'b|+1', 10 * MIN - 1)).toBe(true);
    expect(shouldHold(s, 'b|+1', 10 * MIN)).toBe(false); // the first one is out of the window
    expect(shouldHold(s, 'b|+1', 11 * MIN + 1)).toBe(false);
    const later = recordCallEnd(s, 'b|+1', short(20 * MIN));
    expect(later.shortCalls['b|+1']).toEqual([20 * MIN]);
  });

  it('follows a custom policy', () => {
    const policy = { shortCallMs: 2_000, minCalls: 2, windowMs: MIN };
    const s = recordCallEnd(
      emptyNoiseState(),
      'k',
      { endedAt: 0, durationMs: 1_500, agentJoined: false, media: false },
      policy,
    );
    expect(shouldHold(s, 'k', 1_000, policy)).toBe(true);
    expect(
      recordCallEnd(
        emptyNoiseState(),
        'k',
        { endedAt: 0, durationMs: 2_500, agentJoined: false, media: false },
        policy,
      ),
    ).toEqual(emptyNoiseState());
  });

  it('prunes callers without recent short calls', () => {
    const s = calls('old', [0], calls('new', [15 * MIN]));
    expect(Object.keys(pruneNoiseState(s, 16 * MIN).shortCalls)).toEqual(['new']);
    expect(s.shortCalls.old).toEqual([0]); // not mutated
  });

  describe('the periodic note', () => {
    it('starts a note, collects calls per caller and DID, and starts a new one after the period', () => {
      const a = foldIntoNote(
        undefined,
        { callerKey: 'b|+1', caller: '+1', did: '+14155550101', at: 1_000, durationMs: 800 },
        10 * MIN,
      );
      expect(a.fresh).toBe(true);
      const b = foldIntoNote(
        a.note,
        { callerKey: 'b|+1', caller: '+1', did: '+14155550102', at: 2_000, durationMs: 1_200 },
        10 * MIN,
      );
      const c = foldIntoNote(b.note, { callerKey: 'b|+2', caller: '+2', at: 3_000 }, 10 * MIN);
      expect(b.fresh || c.fresh).toBe(false);
      expect(c.note).toEqual({
        startedAt: 1_000,
        endsAt: 1_000 + 10 * MIN,
        total: 3,
        entries: [
          {
            callerKey: 'b|+1',
            caller: '+1',
            dids: ['+14155550101', '+14155550102'],
            count: 2,
            firstAt: 1_000,
            lastAt: 2_000,
            maxDurationMs: 1_200,
          },
          { callerKey: 'b|+2', caller: '+2', dids: [], count: 1, firstAt: 3_000, lastAt: 3_000, maxDurationMs: 0 },
        ],
      });
      expect(a.note.total).toBe(1); // not mutated
      const d = foldIntoNote(c.note, { callerKey: 'b|+1', caller: '+1', at: 1_000 + 10 * MIN }, 10 * MIN);
      expect(d.fresh).toBe(true);
      expect(d.note.total).toBe(1);
    });
  });
});
