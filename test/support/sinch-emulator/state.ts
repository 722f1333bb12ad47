/** In-memory Sinch project: the resources the emulated EST and Numbers APIs hold. */

export interface Trunk {
  id: string;
  name: string;
  hostName: string;
  topLevelDomain: string;
  domain: string;
  callsPerSecond: number;
  enableCallerName: boolean | null;
  callForwardNumber: string | null;
  enableCallForward: boolean | null;
  createTime: string;
  updateTime: string | null;
  projectId: string;
  aclIds: string[];
  credentialListIds: string[];
}

export interface Endpoint {
  id: string;
  sipTrunkId: string;
  name: string;
  address?: string;
  port?: number;
  transport: 'UDP' | 'TCP' | 'TLS';
  priority: number;
  enabled: boolean;
  isRegistered?: boolean;
  credentialUsername?: string;
  createTime: string;
  updateTime: string | null;
}

export interface IpRange {
  id: string;
  description?: string;
  ipAddress: string;
  range: number;
  accessControlListId: string;
  projectId: string;
}

export interface Acl {
  id: string;
  name: string;
  enabled: boolean;
  ipRanges: IpRange[];
  createTime: string;
  updateTime: string | null;
  projectId: string;
}

export interface CredentialList {
  id: string;
  name: string;
  credentials: { id: string; username: string; password: string }[];
  createTime: string;
  updateTime: string | null;
  projectId: string;
}

/** A number the project owns (Numbers API active number) and its voice configuration. */
export interface OwnedNumber {
  id: string;
  phoneNumber: string;
  regionCode: string;
  voice: { type: 'RTC' | 'EST'; trunkId: string; appId: string; lastUpdatedTime: string | null };
  scheduled?: {
    type: 'EST' | 'RTC';
    trunkId: string;
    status: 'WAITING' | 'IN_PROGRESS' | 'FAILED';
    since: number;
    lastUpdatedTime: string;
  };
  /** Provisioning never completes (a "stuck" number). */
  stuck?: boolean;
  createTime: string;
}

export interface CallRecord {
  callId: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  callResult: 'COMPLETED' | 'NO_ANSWER' | 'CANCEL' | 'BUSY' | 'FAILED';
  createTime: string;
  answerTime?: string | null;
  endTime?: string | null;
  durationSeconds: number;
  billingDurationSeconds: number;
  trunkId: string;
  projectId: string;
}

export interface CountryPermission {
  isoCode: string;
  name: string;
  continent: string;
  countryDialingCodes: string[];
  enabled: boolean;
}

export class SinchState {
  readonly trunks = new Map<string, Trunk>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly acls = new Map<string, Acl>();
  readonly credentialLists = new Map<string, CredentialList>();
  readonly numbers = new Map<string, OwnedNumber>();
  readonly calls: CallRecord[] = [];
  readonly countries = new Map<string, CountryPermission>();
  private seq = 0;

  constructor(
    readonly projectId: string,
    readonly now: () => number,
  ) {
    for (const c of DEFAULT_COUNTRIES) this.countries.set(c.isoCode, { ...c });
  }

  /** 26-character ULID-shaped IDs (real IDs are ULID strings, sinch-est-api.md §1.9). */
  newId(kind: string): string {
    this.seq++;
    const body = `${kind.toUpperCase()}${this.seq.toString(36).toUpperCase()}`.replace(/[^0-9A-Z]/g, '');
    return `01EMU${'0'.repeat(Math.max(0, 21 - body.length))}${body}`.slice(0, 26);
  }

  isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

/**
 * A few countries; the Sinch mock serves 51 (SDK `tests/rest/v1/country-permissions/country-permissions.steps.ts`),
 * US and CA enabled by default (sinch/skills SKILL.md; PortSIP also lists PR and VI).
 */
const DEFAULT_COUNTRIES: CountryPermission[] = [
  { isoCode: 'US', name: 'United States', continent: 'North America', countryDialingCodes: ['+1'], enabled: true },
  { isoCode: 'CA', name: 'Canada', continent: 'North America', countryDialingCodes: ['+1'], enabled: true },
  { isoCode: 'GB', name: 'United Kingdom', continent: 'Europe', countryDialingCodes: ['+44'], enabled: false },
  { isoCode: 'SE', name: 'Sweden', continent: 'Europe', countryDialingCodes: ['+46'], enabled: false },
  { isoCode: 'DE', name: 'Germany', continent: 'Europe', countryDialingCodes: ['+49'], enabled: false },
];
