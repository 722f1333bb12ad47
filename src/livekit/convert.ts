import { SIPMediaEncryption, SIPTransport } from '@livekit/protocol';
import type { SIPDispatchRuleInfo, SIPInboundTrunkInfo, SIPOutboundTrunkInfo } from 'livekit-server-sdk';
import type {
  DispatchRule,
  DispatchRuleKind,
  InboundTrunk,
  MediaEncryption,
  OutboundTrunk,
  SipTransport,
} from '../domain/livekit-model';

/** SDK protobuf messages ⇄ the SDK-free shapes of `domain/livekit-model`. */

export function transportFromSdk(t: SIPTransport): SipTransport {
  switch (t) {
    case SIPTransport.SIP_TRANSPORT_UDP:
      return 'udp';
    case SIPTransport.SIP_TRANSPORT_TCP:
      return 'tcp';
    case SIPTransport.SIP_TRANSPORT_TLS:
      return 'tls';
    default:
      return 'auto';
  }
}

export function transportToSdk(t: SipTransport): SIPTransport {
  switch (t) {
    case 'udp':
      return SIPTransport.SIP_TRANSPORT_UDP;
    case 'tcp':
      return SIPTransport.SIP_TRANSPORT_TCP;
    case 'tls':
      return SIPTransport.SIP_TRANSPORT_TLS;
    default:
      return SIPTransport.SIP_TRANSPORT_AUTO;
  }
}

export function encryptionFromSdk(e: SIPMediaEncryption | undefined): MediaEncryption {
  switch (e) {
    case SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW:
      return 'allow';
    case SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE:
      return 'require';
    default:
      return 'disable';
  }
}

export function encryptionToSdk(e: MediaEncryption): SIPMediaEncryption {
  switch (e) {
    case 'allow':
      return SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW;
    case 'require':
      return SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE;
    default:
      return SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE;
  }
}

/** The newer `media.encryption` wins over the deprecated `mediaEncryption` when set. */
function effectiveEncryption(
  deprecated: SIPMediaEncryption,
  media: { encryption?: SIPMediaEncryption } | undefined,
): MediaEncryption {
  if (media?.encryption !== undefined) return encryptionFromSdk(media.encryption);
  return encryptionFromSdk(deprecated);
}

export function inboundFromSdk(t: SIPInboundTrunkInfo): InboundTrunk {
  return {
    id: t.sipTrunkId,
    name: t.name,
    metadata: t.metadata,
    numbers: [...t.numbers],
    allowedAddresses: [...t.allowedAddresses],
    allowedNumbers: [...t.allowedNumbers],
    hasAuth: t.authUsername !== '',
    mediaEncryption: effectiveEncryption(t.mediaEncryption, t.media),
  };
}

export function outboundFromSdk(t: SIPOutboundTrunkInfo): OutboundTrunk {
  return {
    id: t.sipTrunkId,
    name: t.name,
    metadata: t.metadata,
    address: t.address,
    transport: transportFromSdk(t.transport),
    numbers: [...t.numbers],
    authUsername: t.authUsername,
    hasAuthPassword: t.authPassword !== '',
    mediaEncryption: effectiveEncryption(t.mediaEncryption, t.media),
    destinationCountry: t.destinationCountry,
  };
}

export function ruleKindFromSdk(r: SIPDispatchRuleInfo['rule']): DispatchRuleKind {
  const rule = r?.rule;
  switch (rule?.case) {
    case 'dispatchRuleDirect':
      return { kind: 'direct', roomName: rule.value.roomName, pin: rule.value.pin };
    case 'dispatchRuleIndividual':
      return {
        kind: 'individual',
        roomPrefix: rule.value.roomPrefix,
        pin: rule.value.pin,
        noRandomness: rule.value.noRandomness,
      };
    case 'dispatchRuleCallee':
      return {
        kind: 'callee',
        roomPrefix: rule.value.roomPrefix,
        pin: rule.value.pin,
        randomize: rule.value.randomize,
      };
    default:
      // A rule kind this version does not know (e.g. a newer one): treat as an unnamed direct rule.
      return { kind: 'direct', roomName: '', pin: '' };
  }
}

export function ruleFromSdk(r: SIPDispatchRuleInfo): DispatchRule {
  return {
    id: r.sipDispatchRuleId,
    name: r.name,
    metadata: r.metadata,
    rule: ruleKindFromSdk(r.rule),
    trunkIds: [...r.trunkIds],
    inboundNumbers: [...r.inboundNumbers],
    numbers: [...r.numbers],
    hidePhoneNumber: r.hidePhoneNumber,
    agents: (r.roomConfig?.agents ?? []).map((a) => a.agentName).filter((n) => n !== ''),
    attributes: { ...r.attributes },
  };
}
