export { LiveKitEmulator, twirpCodeForSip, disconnectReasonForSip } from './lk-emulator/server';
export type { EmulatorOptions, CallOutcome, Fault, InboundCallResult } from './lk-emulator/server';
export { normalizeNumber } from './lk-emulator/validation';
