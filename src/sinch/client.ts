import { z } from 'zod';
import type { SinchConfig } from '../config';
import { sleep as realSleep } from '../sleep';
import { SinchUnexpectedError } from './errors';
import type { CallPage, CallQuery, SinchGateway } from './gateway';
import { SinchHttp, type HttpMethod, type SinchExchange } from './http';
import { SinchTokenSource } from './token';
import {
  AccessControlList,
  ActiveNumber,
  CountryPermission,
  CredentialList,
  EstCall,
  EstPhoneNumber,
  IpRange,
  PageMeta,
  SipEndpoint,
  SipTrunk,
} from './wire';

/** Policies of the thin Sinch client; every one injectable for tests. */
export interface SinchClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Timeout of the token request (default: `timeoutMs`). */
  tokenTimeoutMs?: number;
  max5xxRetries?: number;
  max429Retries?: number;
  maxRetryAfterSec?: number;
  backoffBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Page size asked of list endpoints, and the most pages read before giving up. */
  pageSize?: number;
  maxPages?: number;
  /** Every HTTP exchange with the EST and Numbers APIs (not the token endpoint), e.g. for metrics. */
  onExchange?: (e: SinchExchange) => void;
}

export interface SinchClient {
  gateway: SinchGateway;
  tokens: SinchTokenSource;
}

type Credentials = NonNullable<SinchConfig['credentials']>;

export function createSinchClient(
  config: SinchConfig & { credentials: Credentials },
  opts: SinchClientOptions = {},
): SinchClient {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { projectId, keyId, keySecret } = config.credentials;
  const tokens = new SinchTokenSource({
    authUrl: config.authUrl,
    keyId,
    keySecret,
    fetch: doFetch,
    timeoutMs: opts.tokenTimeoutMs ?? timeoutMs,
    now,
  });
  const http = new SinchHttp({
    fetch: doFetch,
    tokens,
    timeoutMs,
    max5xxRetries: opts.max5xxRetries ?? 2,
    max429Retries: opts.max429Retries ?? 3,
    maxRetryAfterSec: opts.maxRetryAfterSec ?? 30,
    backoffBaseMs: opts.backoffBaseMs ?? 250,
    sleep: opts.sleep ?? ((ms) => realSleep(ms)),
    now,
    secrets: [keySecret],
    ...(opts.onExchange ? { onExchange: opts.onExchange } : {}),
  });
  const est = new Rest(
    http,
    `${config.estApiUrl}/v1/projects/${encodeURIComponent(projectId)}`,
    opts.pageSize ?? 500,
    opts.maxPages ?? 20,
  );
  const numbers = new Rest(http, `${config.numbersApiUrl}/v1/projects/${encodeURIComponent(projectId)}`, 0, 1);
  return { gateway: estGateway(est, numbers), tokens };
}

/** Paths relative to one API's project base, with operation names that hide IDs (for messages and metrics). */
class Rest {
  constructor(
    private readonly http: SinchHttp,
    private readonly base: string,
    private readonly pageSize: number,
    private readonly maxPages: number,
  ) {}

  call<T>(method: HttpMethod, path: Path, schema?: z.ZodType<T>, body?: unknown, query?: Query): Promise<T> {
    const qs = query ? queryString(query) : '';
    return this.http.request<T>({
      method,
      url: `${this.base}${path.url}${qs}`,
      operation: `${method} ${path.template}`,
      ...(body !== undefined ? { body } : {}),
      ...(schema ? { schema } : {}),
    });
  }

  /** Every page of a list (1-based `page`, `size`), bounded by `maxPages`. */
  async all<T>(path: Path, key: string, item: z.ZodType<T>, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page <= this.maxPages; page++) {
      const env = await this.call('GET', path, pageSchema(key, item), undefined, {
        ...query,
        page,
        size: this.pageSize,
      });
      out.push(...env.items);
      if (env.items.length === 0 || out.length >= (env.meta.totalItems ?? out.length)) return out;
    }
    throw new SinchUnexpectedError(`Sinch listed more than ${this.maxPages} pages on GET ${path.template}`, {
      operation: `GET ${path.template}`,
    });
  }
}

export type Query = Record<string, string | number | undefined>;

export interface Path {
  url: string;
  template: string;
}

/** `p\`/trunks/${id}\`` keeps the URL (IDs encoded) and a template with `{}` for messages. */
export function p(strings: TemplateStringsArray, ...ids: string[]): Path {
  let url = strings[0] ?? '';
  let template = strings[0] ?? '';
  ids.forEach((id, i) => {
    url += encodeURIComponent(id) + (strings[i + 1] ?? '');
    template += '{id}' + (strings[i + 1] ?? '');
  });
  return { url, template };
}

function queryString(q: Query): string {
  const parts = Object.entries(q)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(
      ([k, v]) => `${encodeURIComponent(k).replace(/%3E/g, '>').replace(/%3C/g, '<')}=${encodeURIComponent(String(v))}`,
    );
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The SDK reads list items under one key (e.g. `trunks`); the spec names the trunk list `sipTrunks`: both parsed. */
const ALT_KEYS: Record<string, string> = { trunks: 'sipTrunks' };

function pageSchema<T>(key: string, item: z.ZodType<T>) {
  return z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const list = raw[key] ?? (ALT_KEYS[key] ? raw[ALT_KEYS[key]] : undefined) ?? [];
    const items = z.array(item).safeParse(list);
    const meta = PageMeta.safeParse(raw);
    if (!items.success || !meta.success) {
      ctx.addIssue({ code: 'custom', message: 'not a page', path: [key] });
      return z.NEVER;
    }
    return { items: items.data, meta: meta.data };
  });
}

function estGateway(est: Rest, numbers: Rest): SinchGateway {
  return {
    listTrunks: (f) => est.all(p`/trunks`, 'trunks', SipTrunk, { domain: f?.domain }),
    getTrunk: (id) => est.call('GET', p`/trunks/${id}`, SipTrunk),
    createTrunk: (input) => est.call('POST', p`/trunks`, SipTrunk, input),
    updateTrunk: (id, input) => est.call('PUT', p`/trunks/${id}`, SipTrunk, input),
    deleteTrunk: (id) => est.call('DELETE', p`/trunks/${id}`),

    listEndpoints: (t) => est.all(p`/trunks/${t}/endpoints`, 'endpoints', SipEndpoint),
    getEndpoint: (t, e) => est.call('GET', p`/trunks/${t}/endpoints/${e}`, SipEndpoint),
    createEndpoint: (t, input) => est.call('POST', p`/trunks/${t}/endpoints`, SipEndpoint, input),
    updateEndpoint: (t, e, input) => est.call('PUT', p`/trunks/${t}/endpoints/${e}`, SipEndpoint, input),
    deleteEndpoint: (t, e) => est.call('DELETE', p`/trunks/${t}/endpoints/${e}`),

    listAcls: () => est.all(p`/accessControlLists`, 'accessControlLists', AccessControlList),
    getAcl: (id) => est.call('GET', p`/accessControlLists/${id}`, AccessControlList),
    createAcl: (input) => est.call('POST', p`/accessControlLists`, AccessControlList, input),
    updateAcl: (id, input) => est.call('PUT', p`/accessControlLists/${id}`, AccessControlList, input),
    deleteAcl: (id) => est.call('DELETE', p`/accessControlLists/${id}`),
    listIpRanges: (id) => est.all(p`/accessControlLists/${id}/ipRanges`, 'ipRanges', IpRange),
    addIpRange: (id, r) => est.call('POST', p`/accessControlLists/${id}/ipRanges`, IpRange, r),
    updateIpRange: (id, rid, r) => est.call('PUT', p`/accessControlLists/${id}/ipRanges/${rid}`, IpRange, r),
    deleteIpRange: (id, rid) => est.call('DELETE', p`/accessControlLists/${id}/ipRanges/${rid}`),

    listCredentialLists: () => est.all(p`/credentialLists`, 'credentialLists', CredentialList),
    getCredentialList: (id) => est.call('GET', p`/credentialLists/${id}`, CredentialList),
    createCredentialList: (input) => est.call('POST', p`/credentialLists`, CredentialList, input),
    renameCredentialList: (id, name) => est.call('PUT', p`/credentialLists/${id}`, CredentialList, { name }),
    deleteCredentialList: (id) => est.call('DELETE', p`/credentialLists/${id}`),
    setCredentialPassword: (id, user, password) =>
      est.call('PUT', p`/credentialLists/${id}/credentials/${user}`, undefined, { password }),
    deleteCredential: (id, user) => est.call('DELETE', p`/credentialLists/${id}/credentials/${user}`),

    listTrunkAclIds: (t) => est.all(p`/trunks/${t}/accessControlLists`, 'accessControlListIds', z.string()),
    // The answer echoes only the IDs sent (sinch/skills); it is not needed, so any body (or none) is accepted.
    addTrunkAcls: (t, ids) =>
      est.call('POST', p`/trunks/${t}/accessControlLists`, undefined, { accessControlListIds: ids }),
    removeTrunkAcl: (t, id) => est.call('DELETE', p`/trunks/${t}/accessControlLists/${id}`),
    listTrunkCredentialListIds: (t) =>
      est.all(p`/trunks/${t}/credentialLists`, 'credentialLists', CredentialList).then((ls) => ls.map((l) => l.id)),
    addTrunkCredentialLists: (t, ids) =>
      est.call('POST', p`/trunks/${t}/credentialLists`, undefined, { credentialListIds: ids }),
    // The SDK sends {credentialListIds:[…]}; the spec a bare array. The SDK (tested against Sinch's mock) wins.
    replaceTrunkCredentialLists: (t, ids) =>
      est.call('PUT', p`/trunks/${t}/credentialLists`, undefined, { credentialListIds: ids }),
    removeTrunkCredentialList: (t, id) => est.call('DELETE', p`/trunks/${t}/credentialLists/${id}`),

    listPhoneNumbers: (f) => est.all(p`/phoneNumbers`, 'phoneNumbers', EstPhoneNumber, { sipTrunkId: f?.sipTrunkId }),
    getPhoneNumber: (n) => est.call('GET', p`/phoneNumbers/${n}`, EstPhoneNumber),
    getActiveNumber: (n) => numbers.call('GET', p`/activeNumbers/${n}`, ActiveNumber),
    assignNumber: (n, trunkId) =>
      numbers.call('PATCH', p`/activeNumbers/${n}`, ActiveNumber, {
        // Releasing to no trunk: back to the default RTC configuration (assumption; no Sinch source shows it).
        voiceConfiguration: trunkId ? { type: 'EST', trunkId } : { type: 'RTC', appId: '' },
      }),

    findCalls: (q) => findCalls(est, q),
    listCountryPermissions: () =>
      est
        .call('GET', p`/countryPermissions`, z.object({ countryPermissions: z.array(CountryPermission) }))
        .then((r) => r.countryPermissions),
    getCountryPermission: (iso) => est.call('GET', p`/countryPermissions/${iso}`, CountryPermission),
  };
}

async function findCalls(est: Rest, q: CallQuery): Promise<CallPage> {
  const page = q.page ?? 1;
  const size = q.size ?? 100;
  const env = await est.call('GET', p`/calls`, pageSchema('calls', EstCall), undefined, {
    trunkId: q.trunkId,
    from: q.from,
    to: q.to,
    direction: q.direction,
    callResult: q.callResult,
    // `createTime>=…&createTime<=…` (spec §calls): in a query string the key is `createTime>` / `createTime<`.
    'createTime>': q.createdFrom,
    'createTime<': q.createdTo,
    page,
    size,
  });
  return {
    calls: env.items,
    totalItems: env.meta.totalItems ?? env.items.length,
    pageNumber: env.meta.pageNumber ?? page,
    pageSize: env.meta.pageSize ?? env.meta.size ?? size,
  };
}
