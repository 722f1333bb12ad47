/**
 * The shape of a binding change as the journal stores it (`request` and `steps` JSON), checked
 * with zod when read back, so recovery acts only on entries it understands. An entry that does
 * not match is reported as `UnreadableJournalEntryError` (store/journal-repo.ts).
 */
import { z } from 'zod';
import type { ChangeStep } from '../../domain/change-plan';
import type { JournalReader } from '../../store/journal-repo';
import type { ChangeRequest } from './change-executor';

const resource = z.enum(['inbound', 'rule', 'outbound']);
const status = z.enum(['pending', 'running', 'done', 'failed', 'undone']);
/** Patches hold the previous and new values of LiveKit fields; only their being objects is checked. */
const fields = z.record(z.string(), z.unknown());

const createStep = z.object({ op: z.literal('create'), resource, status, id: z.string().optional() });
const deleteStep = z.object({
  op: z.literal('delete'),
  resource,
  id: z.string(),
  status,
  newId: z.string().optional(),
});
const updateStep = z.object({
  op: z.literal('update'),
  resource,
  id: z.string(),
  patch: fields,
  before: fields,
  status,
  passwordChanged: z.boolean().optional(),
});

/** EST steps (domain/est-plan.ts): the kind is checked, the IDs and undo data kept as they are. */
const estStep = z
  .object({
    op: z.literal('est'),
    resource: z.enum(['trunk', 'endpoint', 'acl', 'credentials', 'number']),
    action: z.enum(['ensure', 'update', 'remove', 'assign', 'release']),
    status,
  })
  .passthrough();

/** The cast is to the patch types of `UpdateStep` and the EST step variants, checked above as objects. */
export const changeStepsSchema: z.ZodType<ChangeStep[]> = z
  .array(z.union([createStep, deleteStep, updateStep, estStep]))
  .transform((s) => s as ChangeStep[]);

const auth = z.union([
  z.object({ kind: z.literal('acl') }),
  z.object({ kind: z.literal('digest'), username: z.string(), password: z.string() }),
]);
const dispatch = z.union([
  z.object({ kind: z.literal('individual'), roomPrefix: z.string() }),
  z.object({ kind: z.literal('direct'), roomName: z.string() }),
  z.object({ kind: z.literal('callee'), roomPrefix: z.string() }),
]);

const bindingSpec = z.object({
  name: z.string(),
  trunkDomain: z.string(),
  dids: z.array(z.string()),
  callerId: z.string(),
  auth,
  transport: z.enum(['udp', 'tcp', 'tls']),
  livekitSipHost: z.string(),
  dispatch,
  agentName: z.string().exactOptional(),
  reportChannel: z.string(),
  est: z.object({ side: z.enum(['managed', 'manual']) }).exactOptional(),
});

const estResources = z
  .object({
    trunkId: z.string().exactOptional(),
    trunkCreated: z.boolean().exactOptional(),
    endpointId: z.string().exactOptional(),
    endpointCreated: z.boolean().exactOptional(),
    aclId: z.string().exactOptional(),
    aclCreated: z.boolean().exactOptional(),
    aclLinked: z.boolean().exactOptional(),
    aclIp: z.string().exactOptional(),
    credentialListId: z.string().exactOptional(),
    credentialListCreated: z.boolean().exactOptional(),
    credentialListLinked: z.boolean().exactOptional(),
  })
  .exactOptional();

export const changeRequestSchema: z.ZodType<ChangeRequest> = z.object({
  spec: bindingSpec,
  previous: bindingSpec.exactOptional(),
  previousVersion: z.number().exactOptional(),
  resources: z.object({
    inboundTrunkId: z.string().exactOptional(),
    dispatchRuleId: z.string().exactOptional(),
    outboundTrunkId: z.string().exactOptional(),
    est: estResources,
  }),
  viewId: z.string().exactOptional(),
});

export const CHANGE_JOURNAL: JournalReader<ChangeStep, ChangeRequest> = {
  steps: changeStepsSchema,
  request: changeRequestSchema,
};
