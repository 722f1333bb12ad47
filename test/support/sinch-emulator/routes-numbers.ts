/**
 * Phone numbers: EST's read-only view (spec `GET /phoneNumbers`, `GET /phoneNumbers/{phoneNumber}`; SDK 1.5.0
 * `tests/rest/v1/phone-numbers/phone-numbers.steps.ts`) and the Numbers API assignment (SDK
 * `packages/numbers/tests/rest/v1/active-number/active-number-api.test.ts`, models `voice-configuration`,
 * `scheduled-voice-provisioning`): PATCH schedules the change (`scheduledVoiceProvisioning.status: WAITING`),
 * which lands after the configured provisioning delay, or never for a number marked stuck.
 */
import { badRequest, notFound, paged, type RouteDef } from './http';
import { throwIt } from './routes-trunks';
import type { OwnedNumber, SinchState } from './state';
import { obj, optStr } from './validate';

export interface ProvisioningClock {
  delayMs(): number;
}

/** Applies a due scheduled provisioning (evaluated lazily on every read, on the emulator's clock). */
export function settle(s: SinchState, n: OwnedNumber, clock: ProvisioningClock): void {
  const sch = n.scheduled;
  if (!sch || n.stuck || sch.status === 'FAILED') return;
  if (s.now() - sch.since < clock.delayMs()) return;
  n.voice = { type: sch.type, trunkId: sch.trunkId, appId: '', lastUpdatedTime: s.isoNow() };
  delete n.scheduled; // "This field will be empty if the number was successfully provisioned"
}

export function numberRoutes(s: SinchState, clock: ProvisioningClock): RouteDef[] {
  const owned = (e164: string): OwnedNumber => {
    const n = s.numbers.get(e164);
    if (!n) throwIt(notFound(`phone number ${e164}`));
    settle(s, n, clock);
    return n;
  };
  const estView = (n: OwnedNumber) => ({
    id: n.id,
    sipTrunkId: n.voice.type === 'EST' ? n.voice.trunkId : '',
    phoneNumber: n.phoneNumber,
    countryCode: n.regionCode,
    createTime: n.createTime,
    updateTime: n.voice.lastUpdatedTime,
  });
  const activeView = (n: OwnedNumber) => ({
    phoneNumber: n.phoneNumber,
    projectId: s.projectId,
    regionCode: n.regionCode,
    type: 'LOCAL',
    displayName: '',
    voiceConfiguration: {
      type: n.voice.type,
      trunkId: n.voice.trunkId,
      appId: n.voice.appId,
      serviceId: '',
      lastUpdatedTime: n.voice.lastUpdatedTime,
      scheduledVoiceProvisioning: n.scheduled
        ? {
            type: n.scheduled.type,
            trunkId: n.scheduled.trunkId,
            appId: '',
            status: n.scheduled.status,
            lastUpdatedTime: n.scheduled.lastUpdatedTime,
          }
        : null,
    },
  });
  return [
    // EST lists the numbers enabled for EST; `sipTrunkId` filters by trunk.
    {
      method: 'GET',
      base: 'est',
      template: '/phoneNumbers',
      handle: ({ query }) => {
        const trunkId = query.get('sipTrunkId');
        const list = [...s.numbers.keys()]
          .map(owned)
          .filter((n) => n.voice.type === 'EST' && (!trunkId || n.voice.trunkId === trunkId));
        return paged('phoneNumbers', list.map(estView), query, 500, 500);
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/phoneNumbers/{e164}',
      handle: ({ params }) => {
        const n = owned(params.e164!);
        if (n.voice.type !== 'EST') throw notFound(`phone number ${n.phoneNumber} on EST`);
        return { status: 200, body: estView(n) };
      },
    },
    {
      method: 'GET',
      base: 'numbers',
      template: '/activeNumbers/{e164}',
      handle: ({ params }) => ({ status: 200, body: activeView(owned(params.e164!)) }),
    },
    {
      method: 'PATCH',
      base: 'numbers',
      template: '/activeNumbers/{e164}',
      handle: ({ params, body }) => {
        const n = owned(params.e164!);
        const vc = obj(obj(body).voiceConfiguration);
        const type = optStr(vc, 'type');
        if (type !== 'EST' && type !== 'RTC')
          throw badRequest('voiceConfiguration.type must be EST or RTC in this emulator');
        const trunkId = type === 'EST' ? (optStr(vc, 'trunkId') ?? '') : '';
        // A trunk the project does not have is refused (assumption: no source shows the Numbers API's answer).
        if (type === 'EST' && !s.trunks.has(trunkId))
          throw badRequest(`trunkId ${trunkId} is not a SIP trunk of this project`);
        n.scheduled = { type, trunkId, status: 'WAITING', since: s.now(), lastUpdatedTime: s.isoNow() };
        settle(s, n, clock);
        return { status: 200, body: activeView(n) };
      },
    },
  ];
}
