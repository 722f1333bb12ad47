import { planCreate, planDelete } from '../../../../src/domain/change-plan';
import { changeRequestSchema, changeStepsSchema } from '../../../../src/features/sip-setup/journal-entry';
import { bindingSpec } from '../../../support/fixtures';

describe('the change journal’s schemas', () => {
  it('accept what the planner and the executor write', () => {
    const steps = [
      ...planCreate(),
      ...planDelete({ inboundTrunkId: 'ST_in', dispatchRuleId: 'SDR_r' }),
      {
        op: 'update' as const,
        resource: 'outbound' as const,
        id: 'ST_out',
        patch: { numbers: ['+1'] },
        before: { numbers: [] },
        passwordChanged: true,
        status: 'done' as const,
      },
    ];
    expect(changeStepsSchema.parse(JSON.parse(JSON.stringify(steps)))).toEqual(steps);
    const request = {
      spec: bindingSpec({ agentName: 'a' }),
      previous: bindingSpec(),
      previousVersion: 2,
      resources: { inboundTrunkId: 'ST_in' },
      viewId: 'V1',
    };
    expect(changeRequestSchema.parse(JSON.parse(JSON.stringify(request)))).toEqual(request);
  });

  it.each([
    ['an unknown op', [{ op: 'rename', resource: 'rule', status: 'done' }]],
    ['an unknown resource', [{ op: 'create', resource: 'room', status: 'done' }]],
    ['an unknown status', [{ op: 'create', resource: 'rule', status: 'maybe' }]],
    ['a delete without its ID', [{ op: 'delete', resource: 'rule', status: 'pending' }]],
    [
      'an update whose patch is not an object',
      [{ op: 'update', resource: 'rule', id: 'SDR_r', patch: 'x', before: {}, status: 'pending' }],
    ],
    ['not a list', { op: 'create' }],
  ])('refuse steps with %s', (_what, steps) => {
    expect(changeStepsSchema.safeParse(steps).success).toBe(false);
  });

  it.each([
    ['no spec', { resources: {} }],
    ['no resources', { spec: bindingSpec() }],
    ['an unknown transport', { spec: { ...bindingSpec(), transport: 'sctp' }, resources: {} }],
    ['an unknown dispatch', { spec: { ...bindingSpec(), dispatch: { kind: 'broadcast' } }, resources: {} }],
    ['DIDs that are not a list', { spec: { ...bindingSpec(), dids: '+14155550100' }, resources: {} }],
  ])('refuse a request with %s', (_what, request) => {
    expect(changeRequestSchema.safeParse(request).success).toBe(false);
  });
});
