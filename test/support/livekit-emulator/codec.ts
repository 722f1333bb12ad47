import { TwirpError } from './twirp';
import type { JsonObject, JsonValue } from './types';

/** Structural view of a protobuf-es v1 message (no import of the transitive @bufbuild/protobuf). */
export interface ProtoMessage {
  getType(): ProtoType;
  toJson(opts?: { useProtoFieldName?: boolean; emitDefaultValues?: boolean }): JsonValue;
  toBinary(): Uint8Array;
}
interface ProtoType {
  readonly typeName: string;
  readonly fields: { list(): readonly ProtoField[] };
}
interface ProtoField {
  readonly name: string;
  readonly localName: string;
  readonly kind: 'scalar' | 'enum' | 'message' | 'map';
  readonly repeated: boolean;
  readonly oneof?: { readonly localName: string } | undefined;
  readonly V?: { readonly kind: string };
}
export interface ProtoClass<T> {
  fromJson(json: JsonValue, opts?: { ignoreUnknownFields?: boolean }): T;
  fromBinary(bytes: Uint8Array): T;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** Decodes a Twirp request body; like Go protojson with DiscardUnknown (both JSON name styles). */
export function decodeRequest<T>(cls: ProtoClass<T>, raw: Buffer, contentType: string): T {
  try {
    if (contentType === PROTOBUF_CONTENT_TYPE) return cls.fromBinary(new Uint8Array(raw));
    return cls.fromJson(JSON.parse(raw.toString('utf8')) as JsonValue, { ignoreUnknownFields: true });
  } catch {
    throw new TwirpError(
      'malformed',
      contentType === PROTOBUF_CONTENT_TYPE
        ? 'the protobuf request could not be decoded'
        : 'the json request could not be decoded',
    );
  }
}

/**
 * A response as livekit-server writes it: protojson with `UseProtoNames` and `EmitUnpopulated`, i.e.
 * snake_case, every field present, and unset singular message fields as `null` (lists never hold null).
 */
export function encodeResponse(msg: ProtoMessage, contentType: string): string | Uint8Array {
  if (contentType === PROTOBUF_CONTENT_TYPE) return msg.toBinary();
  return JSON.stringify(toWireJson(msg));
}

export function toWireJson(msg: ProtoMessage): JsonObject {
  const json = msg.toJson({ useProtoFieldName: true, emitDefaultValues: true }) as JsonObject;
  addUnsetMessageNulls(msg, json);
  return json;
}

function addUnsetMessageNulls(msg: ProtoMessage, json: JsonValue): void {
  const type = msg.getType();
  if (type.typeName.startsWith('google.protobuf.') || json === null || typeof json !== 'object' || Array.isArray(json))
    return;
  const rec = msg as unknown as Record<string, unknown>;
  for (const f of type.fields.list()) {
    if (f.oneof) {
      const o = rec[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
      if (o?.case === f.localName && f.kind === 'message')
        addUnsetMessageNulls(o.value as ProtoMessage, json[f.name] ?? null);
      continue;
    }
    const v = rec[f.localName];
    if (f.kind === 'message' && !f.repeated) {
      if (v === undefined) json[f.name] = null;
      else addUnsetMessageNulls(v as ProtoMessage, json[f.name] ?? null);
    } else if (f.kind === 'message' && f.repeated) {
      const items = json[f.name];
      if (Array.isArray(items)) (v as ProtoMessage[]).forEach((m, i) => addUnsetMessageNulls(m, items[i] ?? null));
    } else if (f.kind === 'map' && f.V?.kind === 'message') {
      const entries = json[f.name];
      if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
        for (const [k, m] of Object.entries(v as Record<string, ProtoMessage>))
          addUnsetMessageNulls(m, entries[k] ?? null);
      }
    }
  }
}
