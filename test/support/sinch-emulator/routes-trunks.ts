/**
 * SIP trunks, their endpoints and their ACL / credential-list links. Rules from the EST OpenAPI
 * (api-evangelist/sinch `openapi/_original/sinch-elastic-sip-trunking-api-openapi.yaml`, "the spec") and the
 * SDK's tests (sinch/sinch-sdk-node `packages/elastic-sip-trunking/tests/rest/v1/**`), as cited per rule.
 */
import { ApiError, badRequest, conflict, notFound, paged, type RouteDef } from './http';
import type { Endpoint, SinchState, Trunk } from './state';
import { obj, optBool, optInt, optStr, reqStr } from './validate';

const HOST_NAME = /^[A-Za-z0-9-]+$/; // test plan: "letters, numbers, and hyphens"

export function trunkRoutes(s: SinchState): RouteDef[] {
  const trunk = (id: string): Trunk => s.trunks.get(id) ?? throwIt(notFound('SIP trunk'));
  const view = ({ aclIds: _a, credentialListIds: _c, ...t }: Trunk) => t;
  return [
    // spec `POST /trunks` → 201; `domain`/`topLevelDomain` as in SDK sip-trunks.steps.ts ("…pstn.sinch.com"; the spec
    // example says elastic-sip.sinch.com: the SDK's mock wins).
    {
      method: 'POST',
      base: 'est',
      template: '/trunks',
      handle: ({ body }) => {
        const b = obj(body);
        const hostName = reqStr(b, 'hostName');
        if (!HOST_NAME.test(hostName)) throw badRequest('hostName may only contain letters, numbers and hyphens');
        // No source gives the code for a taken host name; the emulator answers 409 (assumption).
        if ([...s.trunks.values()].some((t) => t.hostName === hostName))
          throw conflict(`hostName ${hostName} is already in use`);
        const t: Trunk = {
          id: s.newId('trunk'),
          name: reqStr(b, 'name'),
          hostName,
          topLevelDomain: 'pstn.sinch.com',
          domain: `${hostName}.pstn.sinch.com`,
          callsPerSecond: 1,
          enableCallerName: optBool(b, 'enableCallerName') ?? false,
          callForwardNumber: optStr(b, 'callForwardNumber') ?? null,
          enableCallForward: optBool(b, 'enableCallForward') ?? false,
          createTime: s.isoNow(),
          updateTime: null,
          projectId: s.projectId,
          aclIds: [],
          credentialListIds: [],
        };
        s.trunks.set(t.id, t);
        return { status: 201, body: view(t) };
      },
    },
    // spec `GET /trunks?page&size&domain`; list key `trunks` (SDK) not `sipTrunks` (spec schema): SDK wins.
    {
      method: 'GET',
      base: 'est',
      template: '/trunks',
      handle: ({ query }) => {
        const domain = query.get('domain');
        const all = [...s.trunks.values()].filter((t) => !domain || t.domain === domain || t.hostName === domain);
        return paged('trunks', all.map(view), query, 500, 500);
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/trunks/{id}',
      handle: ({ params }) => ({ status: 200, body: view(trunk(params.id!)) }),
    },
    // spec `PUT /trunks/{id}`: "The whole object must be sent. Any missing fields will be set to null."
    {
      method: 'PUT',
      base: 'est',
      template: '/trunks/{id}',
      handle: ({ params, body }) => {
        const t = trunk(params.id!);
        const b = obj(body);
        const hostName = reqStr(b, 'hostName');
        if (!HOST_NAME.test(hostName)) throw badRequest('hostName may only contain letters, numbers and hyphens');
        Object.assign(t, {
          name: reqStr(b, 'name'),
          hostName,
          domain: `${hostName}.pstn.sinch.com`,
          enableCallerName: optBool(b, 'enableCallerName') ?? null,
          callForwardNumber: optStr(b, 'callForwardNumber') ?? null,
          enableCallForward: optBool(b, 'enableCallForward') ?? null,
          updateTime: s.isoNow(),
        });
        return { status: 200, body: view(t) };
      },
    },
    // 400 while numbers are assigned: sinch/skills `skills/sinch-elastic-sip-trunking/SKILL.md` (not in the spec).
    {
      method: 'DELETE',
      base: 'est',
      template: '/trunks/{id}',
      handle: ({ params }) => {
        const t = trunk(params.id!);
        if ([...s.numbers.values()].some((n) => n.voice.type === 'EST' && n.voice.trunkId === t.id)) {
          throw badRequest(`Cannot delete SIP Trunk ${t.id} when there are phone numbers assigned`);
        }
        for (const e of [...s.endpoints.values()]) if (e.sipTrunkId === t.id) s.endpoints.delete(e.id);
        s.trunks.delete(t.id);
        return { status: 204 };
      },
    },
    ...endpointRoutes(s, trunk),
    ...linkRoutes(s, trunk),
  ];
}

function endpointRoutes(s: SinchState, trunk: (id: string) => Trunk): RouteDef[] {
  const endpoint = (t: Trunk, id: string): Endpoint => {
    const e = s.endpoints.get(id);
    return e && e.sipTrunkId === t.id ? e : throwIt(notFound('SIP endpoint'));
  };
  // spec `StaticEndpoint`: address, port 1..65535 default 5060, transport UDP|TCP|TLS default UDP, priority ≥ 1,
  // enabled default true. Registered endpoints (SDK 1.3.0) are not emulated.
  const fields = (b: Record<string, unknown>) => {
    const transport = optStr(b, 'transport') ?? 'UDP';
    if (!['UDP', 'TCP', 'TLS'].includes(transport)) throw badRequest('transport must be one of UDP, TCP, TLS');
    const port = optInt(b, 'port') ?? 5060;
    if (port < 1 || port > 65535) throw badRequest('port must be between 1 and 65535');
    const priority = optInt(b, 'priority');
    if (priority === undefined || priority < 1) throw badRequest('priority is required and must be at least 1');
    return {
      name: reqStr(b, 'name'),
      address: reqStr(b, 'address'),
      port,
      transport: transport as Endpoint['transport'],
      priority,
      enabled: optBool(b, 'enabled') ?? true,
    };
  };
  return [
    // spec says create answers a paginated list; SDK sip-endpoints.steps.ts expects one endpoint object: SDK wins.
    {
      method: 'POST',
      base: 'est',
      template: '/trunks/{id}/endpoints',
      handle: ({ params, body }) => {
        const t = trunk(params.id!);
        const e: Endpoint = {
          id: s.newId('endp'),
          sipTrunkId: t.id,
          ...fields(obj(body)),
          createTime: s.isoNow(),
          updateTime: null,
        };
        s.endpoints.set(e.id, e);
        return { status: 201, body: e };
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/trunks/{id}/endpoints',
      handle: ({ params, query }) => {
        const t = trunk(params.id!);
        return paged(
          'endpoints',
          [...s.endpoints.values()].filter((e) => e.sipTrunkId === t.id),
          query,
          500,
          500,
        );
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/trunks/{id}/endpoints/{endpointId}',
      handle: ({ params }) => ({ status: 200, body: endpoint(trunk(params.id!), params.endpointId!) }),
    },
    {
      method: 'PUT',
      base: 'est',
      template: '/trunks/{id}/endpoints/{endpointId}',
      handle: ({ params, body }) => {
        const e = endpoint(trunk(params.id!), params.endpointId!);
        Object.assign(e, fields(obj(body)), { updateTime: s.isoNow() });
        return { status: 200, body: e };
      },
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/trunks/{id}/endpoints/{endpointId}',
      handle: ({ params }) => {
        s.endpoints.delete(endpoint(trunk(params.id!), params.endpointId!).id);
        return { status: 204 };
      },
    },
  ];
}

function linkRoutes(s: SinchState, trunk: (id: string) => Trunk): RouteDef[] {
  const ids = (b: unknown, key: string): string[] => {
    // SDK sends {credentialListIds:[…]} / {accessControlListIds:[…]}; the spec's PUT credentialLists body is a bare
    // array. Both are accepted; the SDK's form is what the client sends.
    const list = Array.isArray(b) ? b : obj(b)[key];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
      throw badRequest(`${key} must be an array of IDs`);
    return list as string[];
  };
  const known = (list: string[], has: (id: string) => boolean, what: string) => {
    for (const id of list) if (!has(id)) throw notFound(`${what} ${id}`);
  };
  return [
    // POST appends; the response echoes only the IDs sent (sinch/skills SKILL.md; SDK sip-trunks.steps.ts).
    {
      method: 'POST',
      base: 'est',
      template: '/trunks/{id}/accessControlLists',
      handle: ({ params, body }) => {
        const t = trunk(params.id!);
        const add = ids(body, 'accessControlListIds');
        known(add, (id) => s.acls.has(id), 'access control list');
        for (const id of add) if (!t.aclIds.includes(id)) t.aclIds.push(id);
        return { status: 200, body: { accessControlListIds: add } };
      },
    },
    // GET answers IDs only, under `accessControlListIds` (SDK listAccessControlLists: PageResult<string>).
    {
      method: 'GET',
      base: 'est',
      template: '/trunks/{id}/accessControlLists',
      handle: ({ params, query }) => paged('accessControlListIds', trunk(params.id!).aclIds, query, 500, 500),
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/trunks/{id}/accessControlLists/{aclId}',
      handle: ({ params }) => {
        const t = trunk(params.id!);
        if (!t.aclIds.includes(params.aclId!)) throw notFound('access control list on this trunk');
        t.aclIds = t.aclIds.filter((x) => x !== params.aclId);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      base: 'est',
      template: '/trunks/{id}/credentialLists',
      handle: ({ params, body }) => {
        const t = trunk(params.id!);
        const add = ids(body, 'credentialListIds');
        known(add, (id) => s.credentialLists.has(id), 'credential list');
        for (const id of add) if (!t.credentialListIds.includes(id)) t.credentialListIds.push(id);
        return { status: 200, body: { credentialListIds: add } };
      },
    },
    // PUT replaces the whole set (spec `PUT /trunks/{id}/credentialLists`; sinch/skills SKILL.md).
    {
      method: 'PUT',
      base: 'est',
      template: '/trunks/{id}/credentialLists',
      handle: ({ params, body }) => {
        const t = trunk(params.id!);
        const next = ids(body, 'credentialListIds');
        known(next, (id) => s.credentialLists.has(id), 'credential list');
        t.credentialListIds = [...new Set(next)];
        return { status: 200, body: { credentialListIds: t.credentialListIds } };
      },
    },
    // GET answers credential-list objects under `credentialLists` (SDK listCredentialLists: PageResult<CredentialList>).
    {
      method: 'GET',
      base: 'est',
      template: '/trunks/{id}/credentialLists',
      handle: ({ params, query }) => {
        const lists = trunk(params.id!)
          .credentialListIds.map((id) => s.credentialLists.get(id))
          .filter((l) => l !== undefined);
        return paged(
          'credentialLists',
          lists.map(({ credentials, ...l }) => ({
            ...l,
            credentials: credentials.map(({ id, username }) => ({ id, username })),
          })),
          query,
          500,
          500,
        );
      },
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/trunks/{id}/credentialLists/{clId}',
      handle: ({ params }) => {
        const t = trunk(params.id!);
        if (!t.credentialListIds.includes(params.clId!)) throw notFound('credential list on this trunk');
        t.credentialListIds = t.credentialListIds.filter((x) => x !== params.clId);
        return { status: 204 };
      },
    },
  ];
}

export function throwIt(e: ApiError): never {
  throw e;
}
