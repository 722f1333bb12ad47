/**
 * ACLs with their IP ranges, and credential lists. Sources: the EST spec (AccessControlList, IpRange paths)
 * and the SDK tests `tests/rest/v1/access-control-list/access-control-lists.steps.ts`,
 * `tests/rest/v1/credential-lists/credential-lists.steps.ts` (credential lists are missing from the spec copy).
 */
import { badRequest, notFound, paged, type RouteDef } from './http';
import { throwIt } from './routes-trunks';
import type { Acl, CredentialList, IpRange, SinchState } from './state';
import { obj, optBool, optInt, optStr, reqStr } from './validate';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function aclRoutes(s: SinchState): RouteDef[] {
  const acl = (id: string): Acl => s.acls.get(id) ?? throwIt(notFound('access control list'));
  const range = (aclId: string, b: Record<string, unknown>, id = s.newId('ipr')): IpRange => {
    const ipAddress = reqStr(b, 'ipAddress');
    if (!IPV4.test(ipAddress)) throw badRequest('ipAddress must be an IPv4 address');
    // spec IpRange.range: integer prefix, default 32; a "a.b.c.d/nn" string is a 400 (sinch/skills SKILL.md).
    const r = optInt(b, 'range') ?? 32;
    if (r < 1 || r > 32) throw badRequest('range must be between 1 and 32');
    const description = optStr(b, 'description');
    return {
      id,
      ipAddress,
      range: r,
      accessControlListId: aclId,
      projectId: s.projectId,
      ...(description ? { description } : {}),
    };
  };
  const trunksOf = (id: string) => [...s.trunks.values()].filter((t) => t.aclIds.includes(id)).map((t) => t.id);
  const view = (a: Acl) => ({ ...a, trunks: trunksOf(a.id) });
  return [
    // spec: create needs ≥ 1 ipRanges item; `enabled` defaults to true (the skill says required; spec followed).
    {
      method: 'POST',
      base: 'est',
      template: '/accessControlLists',
      handle: ({ body }) => {
        const b = obj(body);
        const id = s.newId('acl');
        const ranges = b.ipRanges;
        if (!Array.isArray(ranges) || ranges.length === 0) throw badRequest('ipRanges must hold at least one range');
        const a: Acl = {
          id,
          name: reqStr(b, 'name'),
          enabled: optBool(b, 'enabled') ?? true,
          ipRanges: ranges.map((r) => range(id, obj(r))),
          createTime: s.isoNow(),
          updateTime: null,
          projectId: s.projectId,
        };
        s.acls.set(id, a);
        return { status: 201, body: view(a) };
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/accessControlLists',
      handle: ({ query }) => paged('accessControlLists', [...s.acls.values()].map(view), query, 1000, 1000),
    },
    {
      method: 'GET',
      base: 'est',
      template: '/accessControlLists/{id}',
      handle: ({ params }) => ({ status: 200, body: view(acl(params.id!)) }),
    },
    // spec PUT body {name, enabled?, ipRanges?}; ipRanges, when sent, replace the ranges.
    {
      method: 'PUT',
      base: 'est',
      template: '/accessControlLists/{id}',
      handle: ({ params, body }) => {
        const a = acl(params.id!);
        const b = obj(body);
        a.name = reqStr(b, 'name');
        a.enabled = optBool(b, 'enabled') ?? a.enabled;
        if (Array.isArray(b.ipRanges)) a.ipRanges = b.ipRanges.map((r) => range(a.id, obj(r)));
        a.updateTime = s.isoNow();
        return { status: 200, body: view(a) };
      },
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/accessControlLists/{id}',
      handle: ({ params }) => {
        const a = acl(params.id!);
        for (const t of s.trunks.values()) t.aclIds = t.aclIds.filter((x) => x !== a.id);
        s.acls.delete(a.id);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/accessControlLists/{id}/ipRanges',
      handle: ({ params, query }) => paged('ipRanges', acl(params.id!).ipRanges, query, 1000, 1000),
    },
    {
      method: 'POST',
      base: 'est',
      template: '/accessControlLists/{id}/ipRanges',
      handle: ({ params, body }) => {
        const a = acl(params.id!);
        const r = range(a.id, obj(body));
        a.ipRanges.push(r);
        return { status: 201, body: r };
      },
    },
    {
      method: 'PUT',
      base: 'est',
      template: '/accessControlLists/{id}/ipRanges/{rangeId}',
      handle: ({ params, body }) => {
        const a = acl(params.id!);
        const i = a.ipRanges.findIndex((r) => r.id === params.rangeId);
        if (i < 0) throw notFound('IP range');
        a.ipRanges[i] = range(a.id, obj(body), params.rangeId);
        return { status: 200, body: a.ipRanges[i] };
      },
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/accessControlLists/{id}/ipRanges/{rangeId}',
      handle: ({ params }) => {
        const a = acl(params.id!);
        if (!a.ipRanges.some((r) => r.id === params.rangeId)) throw notFound('IP range');
        a.ipRanges = a.ipRanges.filter((r) => r.id !== params.rangeId);
        return { status: 204 };
      },
    },
    ...credentialListRoutes(s),
  ];
}

/** Password policy: ≥ 12 characters with an upper-case letter, a lower-case letter and a digit (sinch/skills SKILL.md). */
const STRONG = (p: string) => p.length >= 12 && /[A-Z]/.test(p) && /[a-z]/.test(p) && /\d/.test(p);

function credentialListRoutes(s: SinchState): RouteDef[] {
  const list = (id: string): CredentialList => s.credentialLists.get(id) ?? throwIt(notFound('credential list'));
  // The password is write-only: never answered (SDK credential-lists.steps.ts responses carry id + username only).
  const view = ({ credentials, ...l }: CredentialList) => ({
    ...l,
    credentials: credentials.map(({ id, username }) => ({ id, username })),
  });
  const password = (p: string) => {
    if (!STRONG(p)) throw badRequest('password must be at least 12 characters with upper case, lower case and a digit');
    return p;
  };
  return [
    {
      method: 'POST',
      base: 'est',
      template: '/credentialLists',
      handle: ({ body }) => {
        const b = obj(body);
        const creds = Array.isArray(b.credentials) ? b.credentials.map((c) => obj(c)) : [];
        const l: CredentialList = {
          id: s.newId('cl'),
          name: reqStr(b, 'name'),
          createTime: s.isoNow(),
          updateTime: null,
          projectId: s.projectId,
          credentials: creds.map((c) => ({
            id: s.newId('cred'),
            username: reqStr(c, 'username'),
            password: password(reqStr(c, 'password')),
          })),
        };
        s.credentialLists.set(l.id, l);
        return { status: 201, body: view(l) };
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/credentialLists',
      handle: ({ query }) => paged('credentialLists', [...s.credentialLists.values()].map(view), query, 500, 500),
    },
    {
      method: 'GET',
      base: 'est',
      template: '/credentialLists/{id}',
      handle: ({ params }) => ({ status: 200, body: view(list(params.id!)) }),
    },
    // SDK `credentialLists.update`: the name only.
    {
      method: 'PUT',
      base: 'est',
      template: '/credentialLists/{id}',
      handle: ({ params, body }) => {
        const l = list(params.id!);
        l.name = reqStr(obj(body), 'name');
        l.updateTime = s.isoNow();
        return { status: 200, body: view(l) };
      },
    },
    // 400 while attached to a trunk (sinch/skills SKILL.md "Credential List cannot be deleted while attached to a SIP Trunk").
    {
      method: 'DELETE',
      base: 'est',
      template: '/credentialLists/{id}',
      handle: ({ params }) => {
        const l = list(params.id!);
        if ([...s.trunks.values()].some((t) => t.credentialListIds.includes(l.id)))
          throw badRequest('Credential List cannot be deleted while attached to a SIP Trunk');
        s.credentialLists.delete(l.id);
        return { status: 204 };
      },
    },
    // SDK `updateCredential`: "Update the password for a credential" (adds the user when absent, as a PUT would).
    {
      method: 'PUT',
      base: 'est',
      template: '/credentialLists/{id}/credentials/{username}',
      handle: ({ params, body }) => {
        const l = list(params.id!);
        const pw = password(reqStr(obj(body), 'password'));
        const c = l.credentials.find((x) => x.username === params.username);
        if (c) c.password = pw;
        else l.credentials.push({ id: s.newId('cred'), username: params.username!, password: pw });
        return { status: 200, body: { id: (c ?? l.credentials.at(-1))!.id, username: params.username } };
      },
    },
    {
      method: 'DELETE',
      base: 'est',
      template: '/credentialLists/{id}/credentials/{username}',
      handle: ({ params }) => {
        const l = list(params.id!);
        if (!l.credentials.some((c) => c.username === params.username)) throw notFound('credential');
        l.credentials = l.credentials.filter((c) => c.username !== params.username);
        return { status: 204 };
      },
    },
  ];
}
