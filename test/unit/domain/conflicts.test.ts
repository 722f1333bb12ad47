import {
  bindingRuleConflictError,
  findDispatchRuleConflicts,
  findInboundTrunkConflicts,
} from '../../../src/domain/conflicts';
import { callee, direct, individual, rule, trunk } from '../../support/builders';

describe('findInboundTrunkConflicts (ValidateTrunksIter)', () => {
  const a = trunk('ST_a', { name: 'acme', numbers: ['+15550100', '+15550101'] });

  it('two trunks sharing a number, neither with allowedNumbers, conflict', () => {
    expect(findInboundTrunkConflicts([a], { numbers: ['+15550100'], allowedNumbers: [] })).toEqual([
      { trunkId: 'ST_a', trunkName: 'acme', numbers: ['+15550100'] },
    ]);
  });

  it('compares numbers after normalization (15550100 and +1 (555) 0100 collide with +15550100)', () => {
    expect(
      findInboundTrunkConflicts([a], { numbers: ['15550100', '+1 (555) 0101', '+15550199'], allowedNumbers: [] }),
    ).toEqual([{ trunkId: 'ST_a', trunkName: 'acme', numbers: ['+15550100', '+15550101'] }]);
  });

  it('different numbers do not conflict', () => {
    expect(findInboundTrunkConflicts([a], { numbers: ['+15550199'], allowedNumbers: [] })).toEqual([]);
  });

  it('allowedNumbers on one side only disambiguates', () => {
    expect(findInboundTrunkConflicts([a], { numbers: ['+15550100'], allowedNumbers: ['+14155550100'] })).toEqual([]);
    const b = trunk('ST_b', { numbers: ['+15550100'], allowedNumbers: ['+14155550100'] });
    expect(findInboundTrunkConflicts([b], { numbers: ['+15550100'], allowedNumbers: [] })).toEqual([]);
  });

  it('disjoint allowedNumbers do not conflict; a shared (normalized) allowedNumber does', () => {
    const b = trunk('ST_b', { name: 'b', numbers: ['+15550100'], allowedNumbers: ['+14155550100', '+14155550101'] });
    expect(findInboundTrunkConflicts([b], { numbers: ['+15550100'], allowedNumbers: ['+14155550102'] })).toEqual([]);
    expect(findInboundTrunkConflicts([b], { numbers: ['+15550100'], allowedNumbers: ['1 415 555 0101'] })).toEqual([
      { trunkId: 'ST_b', trunkName: 'b', numbers: ['+15550100'] },
    ]);
  });

  it('two wildcard trunks (no numbers) without allowedNumbers conflict', () => {
    const w = trunk('ST_w', { name: 'wild', allowedAddresses: ['203.0.113.0/24'] });
    expect(findInboundTrunkConflicts([w], { numbers: [], allowedNumbers: [] })).toEqual([
      { trunkId: 'ST_w', trunkName: 'wild', numbers: [] },
    ]);
  });

  it('a trunk with numbers does not share a bucket with a wildcard trunk', () => {
    const w = trunk('ST_w', { allowedAddresses: ['203.0.113.0/24'] });
    expect(findInboundTrunkConflicts([w], { numbers: ['+15550100'], allowedNumbers: [] })).toEqual([]);
    expect(findInboundTrunkConflicts([a], { numbers: [], allowedNumbers: [] })).toEqual([]);
  });

  it('ignores the candidate itself on update', () => {
    expect(findInboundTrunkConflicts([a], { id: 'ST_a', numbers: ['+15550100'], allowedNumbers: [] })).toEqual([]);
  });

  it('lists every conflicting trunk, in input order', () => {
    const b = trunk('ST_b', { name: 'b', numbers: ['+15550101'] });
    const c = trunk('ST_c', { name: 'c', numbers: ['+15550102'] });
    expect(findInboundTrunkConflicts([a, c, b], { numbers: ['+15550101', '+15550102'], allowedNumbers: [] })).toEqual([
      { trunkId: 'ST_a', trunkName: 'acme', numbers: ['+15550101'] },
      { trunkId: 'ST_c', trunkName: 'c', numbers: ['+15550102'] },
      { trunkId: 'ST_b', trunkName: 'b', numbers: ['+15550101'] },
    ]);
  });

  it('counts a number listed twice on the candidate once', () => {
    expect(findInboundTrunkConflicts([a], { numbers: ['+15550100', '15550100'], allowedNumbers: [] })).toEqual([
      { trunkId: 'ST_a', trunkName: 'acme', numbers: ['+15550100'] },
    ]);
  });
});

describe('findDispatchRuleConflicts (DispatchRuleValidator key expansion)', () => {
  const base = { trunkIds: [] as string[], inboundNumbers: [] as string[], numbers: [] as string[], pin: '' };

  it('two rules with no trunkIds and the same (empty) PIN conflict', () => {
    const existing = [rule('SDR_1', individual('call-'), { name: 'default' })];
    expect(findDispatchRuleConflicts(existing, base)).toEqual([{ ruleId: 'SDR_1', ruleName: 'default' }]);
  });

  it('a different PIN avoids the conflict; the same PIN does not', () => {
    const existing = [rule('SDR_1', direct('lobby', '1234'))];
    expect(findDispatchRuleConflicts(existing, base)).toEqual([]);
    expect(findDispatchRuleConflicts(existing, { ...base, pin: '1234' })).toEqual([
      { ruleId: 'SDR_1', ruleName: 'sdr_1' },
    ]);
  });

  it('a rule for [ST_a] does not conflict with a wildcard rule', () => {
    const existing = [rule('SDR_w', individual('x'))];
    expect(findDispatchRuleConflicts(existing, { ...base, trunkIds: ['ST_a'] })).toEqual([]);
  });

  it('[ST_a] conflicts with [ST_a, ST_b]; [ST_c] does not', () => {
    const existing = [rule('SDR_ab', callee('x'), { trunkIds: ['ST_a', 'ST_b'] })];
    expect(findDispatchRuleConflicts(existing, { ...base, trunkIds: ['ST_a'] })).toEqual([
      { ruleId: 'SDR_ab', ruleName: 'sdr_ab' },
    ]);
    expect(findDispatchRuleConflicts(existing, { ...base, trunkIds: ['ST_c'] })).toEqual([]);
  });

  it('inbound numbers and numbers are part of the key, compared after normalization', () => {
    const existing = [
      rule('SDR_1', individual('x'), { trunkIds: ['ST_a'], inboundNumbers: ['+14155550100'], numbers: ['+15550100'] }),
    ];
    expect(
      findDispatchRuleConflicts(existing, {
        ...base,
        trunkIds: ['ST_a'],
        inboundNumbers: ['1 415 555 0100'],
        numbers: ['15550100'],
      }),
    ).toEqual([{ ruleId: 'SDR_1', ruleName: 'sdr_1' }]);
    expect(
      findDispatchRuleConflicts(existing, {
        ...base,
        trunkIds: ['ST_a'],
        inboundNumbers: ['+14155550199'],
        numbers: ['+15550100'],
      }),
    ).toEqual([]);
    expect(findDispatchRuleConflicts(existing, { ...base, trunkIds: ['ST_a'], numbers: ['+15550100'] })).toEqual([]);
    expect(findDispatchRuleConflicts(existing, { ...base, trunkIds: ['ST_a'] })).toEqual([]);
  });

  it('ignores the candidate itself on update, reports every other conflicting rule', () => {
    const existing = [
      rule('SDR_1', individual('x')),
      rule('SDR_2', direct('y')),
      rule('SDR_3', direct('z'), { trunkIds: ['ST_a'] }),
    ];
    expect(findDispatchRuleConflicts(existing, { ...base, id: 'SDR_1' })).toEqual([
      { ruleId: 'SDR_2', ruleName: 'sdr_2' },
    ]);
  });
});

describe('bindingRuleConflictError', () => {
  const own = rule('SDR_own', individual('est-'), { name: 'own', trunkIds: ['ST_a'] });
  it("names another open rule on the binding's trunk, and ignores the binding's own rule, PIN rules and other trunks", () => {
    const clash = rule('SDR_lk', direct('lk-room'), { name: 'made-with-lk', trunkIds: ['ST_a', 'ST_b'] });
    const pinned = rule('SDR_pin', direct('vip', '1234'), { trunkIds: ['ST_a'] });
    const other = rule('SDR_b', direct('b'), { trunkIds: ['ST_b'] });
    const resources = { inboundTrunkId: 'ST_a', dispatchRuleId: 'SDR_own' };
    expect(bindingRuleConflictError([own, pinned, other], resources)).toBeUndefined();
    expect(bindingRuleConflictError([own, clash, pinned], resources)).toMatch(
      /^Dispatch rule SDR_lk \(made-with-lk\) also takes every call on inbound trunk ST_a/,
    );
    expect(bindingRuleConflictError([clash], {})).toBeUndefined();
  });
});
