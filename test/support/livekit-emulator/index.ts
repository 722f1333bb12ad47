export type { SipTiming, TransferOutcome } from './calls';
export { LiveKitEmulator, type EmulatorOptions } from './emulator';
export type { LoopRecord, LoopbackBreakage, LoopbackOptions } from './loopback';
export type { RecordedRequest } from './server';
export { disconnectReasonForSip, reasonPhrase, twirpCodeForSip } from './sip-status';
export { WebhookCollector, serverError } from './testing';
export { TWIRP_HTTP_STATUS } from './twirp';
export type {
  CallOutcome,
  Fault,
  InboundCall,
  InboundCallResult,
  JsonObject,
  JsonValue,
  RoomView,
  WebhookEventJson,
} from './types';
export { normalizeNumber } from './validation';
export type { WebhookMode } from './webhooks';
