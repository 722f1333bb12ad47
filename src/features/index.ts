import type { AppDeps, Feature } from '../app';

/** Every feature of the service, in registration order. */
export function buildFeatures(_deps: AppDeps): Feature[] {
  return [];
}
