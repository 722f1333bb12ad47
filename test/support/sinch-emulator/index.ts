export { SinchEmulator, type SinchEmulatorOptions } from './emulator';
export type { Fault } from './http';
export type { CallRecord, OwnedNumber } from './state';
