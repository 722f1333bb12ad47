import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { permissionsDenied } from './twirp';

/** The parts of LiveKit `ClaimGrants` the emulated services look at. */
export interface Grants {
  video?: {
    roomCreate?: boolean;
    roomList?: boolean;
    roomAdmin?: boolean;
    room?: string;
    [k: string]: unknown;
  };
  sip?: { admin?: boolean; call?: boolean };
}

export type AuthResult = { ok: true; grants: Grants | undefined } | { ok: false; status: 401; text: string };

const BEARER = 'Bearer ';

/** go-jose error texts for the failures a test can provoke (the server prefixes them). */
function joseMessage(err: unknown): string {
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'go-jose/go-jose: error in cryptographic primitive';
  if (err instanceof joseErrors.JWTExpired) return 'go-jose/go-jose/jwt: validation failed, token is expired (exp)';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)';
    if (err.claim === 'iss') return 'go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)';
    if (err.claim === 'exp') return 'go-jose/go-jose/jwt: validation failed, missing exp claim';
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'go-jose/go-jose: unexpected signature algorithm';
  return err instanceof Error ? err.message : String(err);
}

/**
 * livekit-server `APIKeyAuthMiddleware` (pkg/service/auth.go): `Authorization: Bearer <jwt>` (or
 * `?access_token=`), HS256 only, `iss` = API key, `exp` required, 60 s leeway. No token at all is
 * allowed through without grants; the handler then answers Twirp `unauthenticated`.
 */
export async function authenticate(
  header: string | undefined,
  queryToken: string | null,
  keys: Readonly<Record<string, string>>,
): Promise<AuthResult> {
  let token = '';
  if (header !== undefined && header !== '') {
    if (!header.startsWith(BEARER))
      return { ok: false, status: 401, text: 'invalid authorization header. Must start with Bearer ' };
    token = header.slice(BEARER.length);
  } else if (queryToken) {
    token = queryToken;
  }
  if (token === '') return { ok: true, grants: undefined };
  let iss: string | undefined;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return { ok: false, status: 401, text: 'invalid authorization token' };
  }
  const secret = iss !== undefined ? keys[iss] : undefined;
  if (iss === undefined || secret === undefined || secret === '')
    return { ok: false, status: 401, text: 'invalid API key' };
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer: iss,
      clockTolerance: 60,
      requiredClaims: ['exp'],
    });
    const video =
      typeof payload.video === 'object' && payload.video !== null ? (payload.video as Grants['video']) : undefined;
    const sip = typeof payload.sip === 'object' && payload.sip !== null ? (payload.sip as Grants['sip']) : undefined;
    return { ok: true, grants: { ...(video ? { video } : {}), ...(sip ? { sip } : {}) } };
  } catch (err) {
    return { ok: false, status: 401, text: `invalid authorization token: ${joseMessage(err)}` };
  }
}

/** `EnsureSIPAdminPermission`. */
export function ensureSipAdmin(g: Grants | undefined): void {
  if (!g?.sip?.admin) throw permissionsDenied();
}

/** `EnsureSIPCallPermission`. */
export function ensureSipCall(g: Grants | undefined): void {
  if (!g?.sip?.call) throw permissionsDenied();
}

/** `EnsureAdminPermission(room)`: roomAdmin and the grant's room equals the requested one. */
export function ensureRoomAdmin(g: Grants | undefined, room: string): void {
  if (!g?.video?.roomAdmin || (g.video.room ?? '') !== room) throw permissionsDenied();
}

/** `EnsureCreatePermission`. */
export function ensureRoomCreate(g: Grants | undefined): void {
  if (!g?.video?.roomCreate) throw permissionsDenied();
}

/** `EnsureListPermission`. */
export function ensureRoomList(g: Grants | undefined): void {
  if (!g?.video?.roomList) throw permissionsDenied();
}
