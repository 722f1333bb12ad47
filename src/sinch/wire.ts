import { z } from 'zod';

/**
 * The wire format of Sinch's EST and Numbers APIs (sinch-est-api.md §1.4, §1.5, §1.6, §1.7, §6), parsed
 * defensively where the spec and the SDK disagree: both list keys, both page-size keys, a string or
 * number page number, and the error envelope bare or wrapped in `{error: …}`.
 */

const time = z.string().nullish();

export const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const SipTrunk = z.object({
  id: z.string(),
  name: z.string(),
  hostName: z.string(),
  topLevelDomain: z.string().nullish(),
  domain: z.string().nullish(),
  callsPerSecond: z.number().nullish(),
  enableCallerName: z.boolean().nullish(),
  callForwardNumber: z.string().nullish(),
  enableCallForward: z.boolean().nullish(),
  createTime: time,
  updateTime: time,
  projectId: z.string().nullish(),
});
export type SipTrunk = z.infer<typeof SipTrunk>;

export const Transport = z.enum(['UDP', 'TCP', 'TLS']);
export type Transport = z.infer<typeof Transport>;

export const SipEndpoint = z.object({
  id: z.string(),
  sipTrunkId: z.string().nullish(),
  name: z.string(),
  address: z.string().nullish(),
  port: z.number().int().nullish(),
  transport: Transport.nullish(),
  priority: z.number().int(),
  enabled: z.boolean().nullish(),
  isRegistered: z.boolean().nullish(),
  credentialUsername: z.string().nullish(),
  createTime: time,
  updateTime: time,
});
export type SipEndpoint = z.infer<typeof SipEndpoint>;

export const IpRange = z.object({
  id: z.string().nullish(),
  description: z.string().nullish(),
  ipAddress: z.string(),
  range: z.number().int().nullish(),
  accessControlListId: z.string().nullish(),
  projectId: z.string().nullish(),
});
export type IpRange = z.infer<typeof IpRange>;

export const AccessControlList = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean().nullish(),
  ipRanges: z.array(IpRange).nullish(),
  trunks: z.array(z.string()).nullish(),
  createTime: time,
  updateTime: time,
  projectId: z.string().nullish(),
});
export type AccessControlList = z.infer<typeof AccessControlList>;

export const CredentialList = z.object({
  id: z.string(),
  name: z.string(),
  credentials: z.array(z.object({ id: z.string().nullish(), username: z.string() })).nullish(),
  createTime: time,
  updateTime: time,
  projectId: z.string().nullish(),
});
export type CredentialList = z.infer<typeof CredentialList>;

export const EstPhoneNumber = z.object({
  id: z.string().nullish(),
  sipTrunkId: z.string().nullish(),
  phoneNumber: z.string(),
  countryCode: z.string().nullish(),
  createTime: time,
  updateTime: time,
});
export type EstPhoneNumber = z.infer<typeof EstPhoneNumber>;

/** Numbers API `voiceConfiguration` (SDK packages/numbers/src/models/v1/voice-configuration). */
export const VoiceConfiguration = z.object({
  type: z.string().nullish(),
  trunkId: z.string().nullish(),
  appId: z.string().nullish(),
  lastUpdatedTime: time,
  scheduledVoiceProvisioning: z
    .object({
      type: z.string().nullish(),
      trunkId: z.string().nullish(),
      status: z.string().nullish(),
      lastUpdatedTime: time,
    })
    .nullish(),
});
export type VoiceConfiguration = z.infer<typeof VoiceConfiguration>;

export const ActiveNumber = z.object({
  phoneNumber: z.string(),
  projectId: z.string().nullish(),
  regionCode: z.string().nullish(),
  type: z.string().nullish(),
  displayName: z.string().nullish(),
  voiceConfiguration: VoiceConfiguration.nullish(),
});
export type ActiveNumber = z.infer<typeof ActiveNumber>;

export const CallResult = z.enum(['COMPLETED', 'NO_ANSWER', 'CANCEL', 'BUSY', 'FAILED']);

export const Money = z.object({
  currencyCode: z.string().nullish(),
  amount: z.union([z.number(), z.string()]).nullish(),
});

export const EstCall = z.object({
  callId: z.string(),
  from: z.string().nullish(),
  to: z.string().nullish(),
  // The spec says INBOUND|OUTBOUND, the SDK (1.2.0+) and its mock lowercase: compare without case.
  direction: z.string().nullish(),
  callResult: z.string().nullish(),
  createTime: time,
  answerTime: time,
  endTime: time,
  durationSeconds: z.number().nullish(),
  billingDurationSeconds: z.number().nullish(),
  pricePerMinute: Money.nullish(),
  price: Money.nullish(),
  trunkId: z.string().nullish(),
  projectId: z.string().nullish(),
  pcapId: z.string().nullish(),
});
export type EstCall = z.infer<typeof EstCall>;

export const CountryPermission = z.object({
  isoCode: z.string(),
  name: z.string().nullish(),
  continent: z.string().nullish(),
  countryDialingCodes: z.array(z.string()).nullish(),
  enabled: z.boolean(),
});
export type CountryPermission = z.infer<typeof CountryPermission>;

/** Page envelope: the item array under its key plus totalItems, pageNumber and pageSize (SDK) or size (spec). */
export const PageMeta = z.object({
  totalItems: z.coerce.number().int().nonnegative().optional(),
  pageNumber: z.coerce.number().int().optional(),
  pageSize: z.coerce.number().int().optional(),
  size: z.coerce.number().int().optional(),
});

/** The spec's Google-RPC style error, possibly wrapped in `{error: …}` as other Sinch APIs do. */
const ErrorFields = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});
export const ErrorEnvelope = z.union([z.object({ error: ErrorFields }).transform((e) => e.error), ErrorFields]);
