/**
 * Call history and country permissions. Sources: spec `GET /calls` (filters `from`/`to` prefix, `trunkId`,
 * `callResult`, `direction`, `createTime` with `>=`/`<=`; `size` default 100, max 1000) and SDK
 * `tests/rest/v1/calls-history/calls-history.steps.ts` (lowercase `direction`, list key `calls`);
 * spec `/countryPermissions` (not paginated: `{countryPermissions:[…]}`; only `enabled` writable) and SDK
 * `tests/rest/v1/country-permissions/country-permissions.steps.ts`.
 * Not emulated: the default window when no `createTime` is sent (spec: "Defaults to 24 hours"; SDK
 * FindCallsRequestData docs: "the prior week"; the sources disagree, and SIP Ops always sends its window).
 */
import { badRequest, notFound, paged, type RouteDef } from './http';
import { throwIt } from './routes-trunks';
import type { SinchState } from './state';
import { obj, optBool } from './validate';

/** The SDK JSON-encodes some filter values (`"2026-01-01T00:00:00Z"`); quotes are stripped. */
const unquote = (v: string | null) => (v === null ? null : v.replace(/^"(.*)"$/, '$1'));

export function callRoutes(s: SinchState): RouteDef[] {
  return [
    {
      method: 'GET',
      base: 'est',
      template: '/calls',
      handle: ({ query }) => {
        const size = Number(query.get('size') ?? '100');
        if (!Number.isInteger(size) || size < 1 || size > 1000) throw badRequest('size must be between 1 and 1000');
        const from = unquote(query.get('from'));
        const to = unquote(query.get('to'));
        const trunkId = unquote(query.get('trunkId'));
        // `direction=INBOUND,OUTBOUND` (spec) takes a list; stored lowercase as the SDK's mock answers.
        const directions = unquote(query.get('direction'))?.toLowerCase().split(',');
        const result = unquote(query.get('callResult'));
        // `createTime>=X` arrives as key `createTime>` value `X` (and `createTime<` likewise): inclusive bounds.
        const after = unquote(query.get('createTime>'));
        const before = unquote(query.get('createTime<'));
        // `createTime=2021-02-01` is a partial date: calls whose createTime starts with it (SDK FindCallsRequestData docs).
        const partial = unquote(query.get('createTime'));
        const calls = s.calls.filter(
          (c) =>
            (!trunkId || c.trunkId === trunkId) &&
            (!from || c.from.replace(/^\+/, '').startsWith(from.replace(/^\+/, ''))) &&
            (!to || c.to.replace(/^\+/, '').startsWith(to.replace(/^\+/, ''))) &&
            (!directions || directions.includes(c.direction)) &&
            (!result || c.callResult === result) &&
            (!partial || c.createTime.startsWith(partial)) &&
            (!after || Date.parse(c.createTime) >= Date.parse(after)) &&
            (!before || Date.parse(c.createTime) <= Date.parse(before)),
        );
        return paged('calls', calls, query, 100, 1000);
      },
    },
    {
      method: 'GET',
      base: 'est',
      template: '/countryPermissions',
      handle: () => ({ status: 200, body: { countryPermissions: [...s.countries.values()] } }),
    },
    {
      method: 'GET',
      base: 'est',
      template: '/countryPermissions/{iso}',
      handle: ({ params }) => ({
        status: 200,
        body: s.countries.get(params.iso!.toUpperCase()) ?? throwIt(notFound(`country ${params.iso}`)),
      }),
    },
    {
      method: 'PUT',
      base: 'est',
      template: '/countryPermissions/{iso}',
      handle: ({ params, body }) => {
        const c = s.countries.get(params.iso!.toUpperCase()) ?? throwIt(notFound(`country ${params.iso}`));
        const enabled = optBool(obj(body), 'enabled');
        if (enabled === undefined) throw badRequest('enabled is required');
        c.enabled = enabled;
        return { status: 200, body: c };
      },
    },
  ];
}
