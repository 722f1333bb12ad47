import type {
  AccessControlList,
  ActiveNumber,
  CountryPermission,
  CredentialList,
  EstCall,
  EstPhoneNumber,
  IpRange,
  SipEndpoint,
  SipTrunk,
  Transport,
} from './wire';

/**
 * Everything SIP Ops asks of Sinch, typed (sinch-est-api.md §1.3 table, §1.5 for number assignment).
 * Lists return every page (bounded); `findCalls` returns one page so callers bound their own reads.
 * Country permissions are read only: the bot never changes them.
 */
export interface SinchGateway {
  // SIP trunks
  listTrunks(filter?: { domain?: string }): Promise<SipTrunk[]>;
  getTrunk(trunkId: string): Promise<SipTrunk>;
  createTrunk(input: TrunkInput): Promise<SipTrunk>;
  /** PUT replaces the whole trunk: missing fields become null (spec). */
  updateTrunk(trunkId: string, input: TrunkInput): Promise<SipTrunk>;
  deleteTrunk(trunkId: string): Promise<void>;

  // SIP endpoints (inbound targets)
  listEndpoints(trunkId: string): Promise<SipEndpoint[]>;
  getEndpoint(trunkId: string, endpointId: string): Promise<SipEndpoint>;
  createEndpoint(trunkId: string, input: StaticEndpointInput): Promise<SipEndpoint>;
  updateEndpoint(trunkId: string, endpointId: string, input: StaticEndpointInput): Promise<SipEndpoint>;
  deleteEndpoint(trunkId: string, endpointId: string): Promise<void>;

  // ACLs and their IP ranges
  listAcls(): Promise<AccessControlList[]>;
  getAcl(aclId: string): Promise<AccessControlList>;
  createAcl(input: AclInput): Promise<AccessControlList>;
  updateAcl(aclId: string, input: { name: string; enabled?: boolean }): Promise<AccessControlList>;
  deleteAcl(aclId: string): Promise<void>;
  listIpRanges(aclId: string): Promise<IpRange[]>;
  addIpRange(aclId: string, range: IpRangeInput): Promise<IpRange>;
  updateIpRange(aclId: string, ipRangeId: string, range: IpRangeInput): Promise<IpRange>;
  deleteIpRange(aclId: string, ipRangeId: string): Promise<void>;

  // Credential lists (digest auth)
  listCredentialLists(): Promise<CredentialList[]>;
  getCredentialList(credentialListId: string): Promise<CredentialList>;
  createCredentialList(input: CredentialListInput): Promise<CredentialList>;
  renameCredentialList(credentialListId: string, name: string): Promise<CredentialList>;
  deleteCredentialList(credentialListId: string): Promise<void>;
  setCredentialPassword(credentialListId: string, username: string, password: string): Promise<void>;
  deleteCredential(credentialListId: string, username: string): Promise<void>;

  // Trunk links
  listTrunkAclIds(trunkId: string): Promise<string[]>;
  /** POST appends to the trunk's ACLs. */
  addTrunkAcls(trunkId: string, aclIds: string[]): Promise<void>;
  removeTrunkAcl(trunkId: string, aclId: string): Promise<void>;
  listTrunkCredentialListIds(trunkId: string): Promise<string[]>;
  /** POST appends to the trunk's credential lists. */
  addTrunkCredentialLists(trunkId: string, credentialListIds: string[]): Promise<void>;
  /** PUT replaces the trunk's whole set of credential lists. */
  replaceTrunkCredentialLists(trunkId: string, credentialListIds: string[]): Promise<void>;
  removeTrunkCredentialList(trunkId: string, credentialListId: string): Promise<void>;

  // Phone numbers: EST's view (read) and the Numbers API (assignment, asynchronous)
  listPhoneNumbers(filter?: { sipTrunkId?: string }): Promise<EstPhoneNumber[]>;
  getPhoneNumber(e164: string): Promise<EstPhoneNumber>;
  getActiveNumber(e164: string): Promise<ActiveNumber>;
  /** Schedules the number onto `trunkId` (or off EST trunks with null); poll `numberAssignment` for the outcome. */
  assignNumber(e164: string, trunkId: string | null): Promise<ActiveNumber>;

  // Call history (one page) and country permissions (read only)
  findCalls(query: CallQuery): Promise<CallPage>;
  listCountryPermissions(): Promise<CountryPermission[]>;
  getCountryPermission(isoCode: string): Promise<CountryPermission>;
}

export interface TrunkInput {
  name: string;
  hostName: string;
  enableCallerName?: boolean;
  callForwardNumber?: string | null;
  enableCallForward?: boolean;
}

export interface StaticEndpointInput {
  name: string;
  address: string;
  port?: number;
  transport?: Transport;
  priority: number;
  enabled?: boolean;
}

export interface IpRangeInput {
  ipAddress: string;
  /** CIDR prefix length as an integer (a "a.b.c.d/nn" string is refused by Sinch). */
  range?: number;
  description?: string;
}

export interface AclInput {
  name: string;
  enabled: boolean;
  ipRanges: IpRangeInput[];
}

export interface CredentialListInput {
  name: string;
  credentials: { username: string; password: string }[];
}

export interface CallQuery {
  trunkId?: string;
  from?: string;
  to?: string;
  direction?: 'inbound' | 'outbound';
  callResult?: 'COMPLETED' | 'NO_ANSWER' | 'CANCEL' | 'BUSY' | 'FAILED';
  /** Inclusive bounds, ISO 8601. */
  createdFrom?: string;
  createdTo?: string;
  /** 1-based. */
  page?: number;
  /** At most 1000 (spec). */
  size?: number;
}

export interface CallPage {
  calls: EstCall[];
  totalItems: number;
  pageNumber: number;
  pageSize: number;
}

/** Where a number stands with respect to a trunk, from the Numbers API's `voiceConfiguration`. */
export type NumberAssignment =
  | { state: 'assigned'; trunkId: string }
  | { state: 'pending'; trunkId: string | null; status: string }
  | { state: 'failed'; trunkId: string | null }
  | { state: 'unassigned' };

export function numberAssignment(n: ActiveNumber): NumberAssignment {
  const vc = n.voiceConfiguration;
  const sched = vc?.scheduledVoiceProvisioning;
  // The SDK model: "empty if the number was successfully provisioned"; WAITING/IN_PROGRESS/FAILED otherwise.
  if (sched?.status === 'FAILED') return { state: 'failed', trunkId: sched.trunkId || null };
  if (sched && sched.status) {
    return { state: 'pending', trunkId: sched.trunkId || null, status: sched.status };
  }
  if (vc?.type === 'EST' && vc.trunkId) return { state: 'assigned', trunkId: vc.trunkId };
  return { state: 'unassigned' };
}
