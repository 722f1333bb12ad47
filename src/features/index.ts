import type { AppDeps, Feature } from '../app';
import { sipSetupFeature } from './sip-setup';
import { healthFeature, type HealthFeature } from './health';
import { testCallFeature } from './test-call';
import { inboundFeature } from './inbound';
import { trendsFeature } from './trends';

/** Feature instances built by the caller instead of with their defaults (the demo brings its own health feature). */
export interface FeatureOverrides {
  health?: HealthFeature;
}

/** Every feature of the service, in registration order. */
export function buildFeatures(deps: AppDeps, overrides: FeatureOverrides = {}): Feature[] {
  return [sipSetupFeature(deps), overrides.health ?? healthFeature(deps), testCallFeature(deps), inboundFeature(deps), trendsFeature(deps)];
}
