import type { Kysely } from 'kysely';
import type { Engine } from '../db';
import * as m001 from './001-core';
import * as m004 from './004-inbound';
import * as m005 from './005-health-runs';
import * as m006 from './006-test-call-guards';
import * as m007 from './007-binding-id';
import * as m008 from './008-coordination';
import * as m009 from './009-webhook-order';

export interface Migration {
  version: number;
  name: string;
  /** `engine` for the few statements that differ (column types the two spell differently). */
  up(db: Kysely<unknown>, engine: Engine): Promise<void>;
}

/** Ordered, append-only. Never edit a released migration: add a new one. */
export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'core', up: m001.up },
  { version: 4, name: 'webhook events kept until processed', up: m004.up },
  { version: 5, name: 'validation_runs renamed health_runs', up: m005.up },
  { version: 6, name: 'test-call guards and Slack presses in the database', up: m006.up },
  { version: 7, name: 'binding identity (UUID) and tombstones', up: m007.up },
  { version: 8, name: 'coordination leases and channel pacing', up: m008.up },
  { version: 9, name: 'webhook events in stored order (seq)', up: m009.up },
];
