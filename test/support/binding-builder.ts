import { createHash } from 'node:crypto';
import type { Binding, BindingSpec } from '../../src/domain/binding';

/** A stable UUID-shaped identity for a test binding named `name` (the same name gives the same id). */
export function testBindingId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A stored binding (identity, resources, version, who and when) around `spec`, for unit tests that
 * need `Binding` objects without a database; override what the test is about.
 */
export function storedBinding(spec: BindingSpec, over: Partial<Binding> = {}): Binding {
  return {
    ...spec,
    id: testBindingId(spec.name),
    resources: {},
    version: 1,
    createdBy: 'U1',
    createdAt: '2025-01-01T00:00:00Z',
    updatedBy: 'U1',
    updatedAt: '2025-01-01T00:00:00Z',
    ...over,
  };
}
