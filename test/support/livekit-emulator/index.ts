export { LiveKitEmulator, type EmulatorOptions } from './emulator';
export type { CallOutcome, Fault, InboundCall, InboundCallResult, RoomView, WebhookEventJson, JsonObject, JsonValue } from './types';
export type { SipTiming, TransferOutcome } from './calls';
export type { RecordedRequest } from './server';
export { twirpCodeForSip, disconnectReasonForSip, reasonPhrase } from './sip-status';
export { normalizeNumber } from './validation';
export { TWIRP_HTTP_STATUS } from './twirp';
export { serverError, WebhookCollector } from './testing';
export type { LoopbackBreakage, LoopbackOptions, LoopRecord } from './loopback';
