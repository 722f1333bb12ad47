import type { AppDeps, Feature } from '../app';
import { sipSetupFeature } from './sip-setup';
import { healthFeature } from './health';
import { testCallFeature } from './test-call';
import { inboundFeature } from './inbound';

/** Every feature of the service, in registration order. */
export function buildFeatures(deps: AppDeps): Feature[] {
  return [sipSetupFeature(deps), healthFeature(deps), testCallFeature(deps), inboundFeature(deps)];
}
