/**
 * OAuth2 client-credentials token endpoint as the SDK calls it (sdk-client `plugins/oauth2/oauth2-api.ts`,
 * `oauth2-token.request.ts`): `POST /oauth2/token`, form `grant_type=client_credentials`, HTTP Basic
 * `keyId:keySecret`; answers `{access_token, expires_in, scope, token_type}`. Tokens are JWT-shaped with `exp`
 * because the SDK decodes `exp` to renew early. An expired bearer gets 401 with `WWW-Authenticate: …expired`
 * (the SDK's `api-fetch-client.ts` refreshes and retries once on exactly that).
 */
import { ApiError, type RouteDef } from './http';

export interface TokenIssuer {
  keyId: string;
  keySecret: string;
  ttlSec(): number;
  now(): number;
}

export class TokenStore {
  private readonly expiries = new Map<string, number>();
  issued = 0;

  constructor(private readonly issuer: TokenIssuer) {}

  route(): RouteDef {
    return {
      method: 'POST',
      base: 'auth',
      template: '/oauth2/token',
      public: true,
      handle: ({ headers, body }) => {
        const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
        const [id, ...rest] = Buffer.from(basic ?? '', 'base64')
          .toString('utf8')
          .split(':');
        if (id !== this.issuer.keyId || rest.join(':') !== this.issuer.keySecret) {
          throw new ApiError(401, 'UNAUTHENTICATED', 'invalid client credentials');
        }
        if ((body as Record<string, unknown> | undefined)?.grant_type !== 'client_credentials') {
          throw new ApiError(400, 'INVALID_ARGUMENT', 'unsupported grant_type');
        }
        const ttl = this.issuer.ttlSec();
        const exp = Math.floor(this.issuer.now() / 1000) + ttl;
        this.issued++;
        const token = [{ alg: 'none', typ: 'JWT' }, { exp, n: this.issued }, 'sig']
          .map((p) => Buffer.from(JSON.stringify(p)).toString('base64url'))
          .join('.');
        this.expiries.set(token, exp * 1000);
        return { status: 200, body: { access_token: token, expires_in: ttl, scope: '', token_type: 'bearer' } };
      },
    };
  }

  check(authorization: string | undefined): ApiError | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const exp = token ? this.expiries.get(token) : undefined;
    if (exp === undefined) return new ApiError(401, 'UNAUTHENTICATED', 'missing or unknown bearer token');
    if (this.issuer.now() >= exp) {
      return new ApiError(401, 'UNAUTHENTICATED', 'token expired', {
        'www-authenticate': 'Bearer error="invalid_token", error_description="expired"',
      });
    }
    return undefined;
  }

  /** Makes every issued token invalid (as a revoked key would). */
  revokeAll(): void {
    this.expiries.clear();
  }
}
