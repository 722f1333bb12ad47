import { decodeJwt, jwtVerify } from 'jose';

export interface Grants {
  video?: { roomAdmin?: boolean; room?: string; roomCreate?: boolean; roomList?: boolean; [k: string]: unknown };
  sip?: { admin?: boolean; call?: boolean };
}

export type AuthResult = { ok: true; grants: Grants | undefined } | { ok: false; text: string };

/** As livekit-server's auth middleware: Bearer JWT, HS256, iss = key, exp required, 60 s leeway. */
export async function authenticate(header: string | undefined, keys: Record<string, string>): Promise<AuthResult> {
  if (header === undefined || header === '') return { ok: true, grants: undefined }; // handler will say permissions denied
  if (!header.startsWith('Bearer ')) return { ok: false, text: 'invalid authorization header. Must start with Bearer ' };
  const token = header.slice('Bearer '.length);
  let iss: string | undefined;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return { ok: false, text: 'invalid authorization token' };
  }
  const secret = iss ? keys[iss] : undefined;
  if (!secret) return { ok: false, text: 'invalid API key' };
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer: iss,
      clockTolerance: 60,
      requiredClaims: ['exp'],
    });
    return { ok: true, grants: { video: payload.video as Grants['video'], sip: payload.sip as Grants['sip'] } };
  } catch (err) {
    return { ok: false, text: `invalid authorization token: ${(err as Error).message}` };
  }
}
