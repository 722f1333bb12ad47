import type { AppDeps, Feature } from '../app';
import { sipSetupFeature } from './sip-setup';
import { testCallFeature } from './test-call';

/** Every feature of the service, in registration order. */
export function buildFeatures(deps: AppDeps): Feature[] {
  return [sipSetupFeature(deps), testCallFeature(deps)];
}
