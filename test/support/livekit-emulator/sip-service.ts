/** `livekit.SIP` trunk and dispatch-rule methods (livekit-server `pkg/service/sip.go` + Redis store). */
import {
  type CreateSIPDispatchRuleRequest,
  type CreateSIPInboundTrunkRequest,
  type CreateSIPOutboundTrunkRequest,
  type DeleteSIPDispatchRuleRequest,
  type DeleteSIPTrunkRequest,
  type GetSIPInboundTrunkRequest,
  GetSIPInboundTrunkResponse,
  type GetSIPOutboundTrunkRequest,
  GetSIPOutboundTrunkResponse,
  type ListSIPDispatchRuleRequest,
  ListSIPDispatchRuleResponse,
  type ListSIPInboundTrunkRequest,
  ListSIPInboundTrunkResponse,
  type ListSIPOutboundTrunkRequest,
  ListSIPOutboundTrunkResponse,
  ListSIPTrunkResponse,
  type Pagination,
  SIPDispatchRuleInfo,
  type SIPInboundTrunkInfo,
  type SIPOutboundTrunkInfo,
  SIPTrunkInfo,
  type UpdateSIPDispatchRuleRequest,
  type UpdateSIPInboundTrunkRequest,
  type UpdateSIPOutboundTrunkRequest,
} from '@livekit/protocol';
import { ensureSipAdmin, type Grants } from './auth';
import { newId } from './ids';
import type { SipStore } from './state';
import { invalidArgument, notFound } from './twirp';
import {
  applyDispatchRuleUpdate,
  applyInboundUpdate,
  applyOutboundUpdate,
  asInvalidArgument,
  asReturned,
  checkDispatchRuleConflicts,
  checkInboundTrunkConflicts,
  GoError,
  normalizeNumber,
  validateDispatchRule,
  validateDispatchRuleUpdate,
  validateInboundTrunk,
  validateInboundUpdate,
  validateOutboundTrunk,
  validateOutboundUpdate,
} from './validation';

const TRUNK_NOT_FOUND = 'requested sip trunk does not exist';
const RULE_NOT_FOUND = 'requested sip dispatch rule does not exist';
const plain = (msg: string): GoError => new GoError(msg);

/** Redis store paging: items after `afterId` (the SDK-visible handler pages through everything, so `limit` is only a page size). */
function afterPage<T>(items: T[], id: (v: T) => string, page: Pagination | undefined): T[] {
  return page?.afterId ? items.filter((v) => id(v) > page.afterId) : items;
}

/** protocol livekit/sip.go `ListSIPDispatchRuleRequest.Filter`: rules for any of the trunks, and rules for all trunks. */
function listFilter(trunkIds: readonly string[], r: SIPDispatchRuleInfo): boolean {
  if (trunkIds.length === 0 || r.trunkIds.length === 0) return true;
  return r.trunkIds.some((t) => trunkIds.includes(t));
}

export class SipService {
  constructor(private readonly store: SipStore) {}

  // ---------------------------------------------------------------- inbound trunks

  createInboundTrunk(req: CreateSIPInboundTrunkRequest, g: Grants | undefined): SIPInboundTrunkInfo {
    ensureSipAdmin(g);
    const info = asInvalidArgument(() => {
      if (!req.trunk) throw plain('missing trunk');
      if (req.trunk.sipTrunkId !== '') throw plain('trunk id must not be set');
      validateInboundTrunk(req.trunk);
      return req.trunk.clone();
    });
    // The new trunk keeps an empty ID during validation, so conflicts name it "<new>".
    checkInboundTrunkConflicts([...this.store.sortedInbound(), info]);
    info.sipTrunkId = newId('ST_');
    this.store.inbound.set(info.sipTrunkId, info);
    return info.clone();
  }

  updateInboundTrunk(req: UpdateSIPInboundTrunkRequest, g: Grants | undefined): SIPInboundTrunkInfo {
    ensureSipAdmin(g);
    asInvalidArgument(() => {
      if (req.sipTrunkId === '') throw plain('trunk id must be set');
      const a = req.action;
      if (a.case === undefined) throw plain('missing or unsupported update action');
      if (a.case === 'replace') {
        if (a.value.sipTrunkId !== '' && a.value.sipTrunkId !== req.sipTrunkId)
          throw plain('trunk id in the info must be empty or match the id in the update');
        validateInboundTrunk(a.value);
      } else validateInboundUpdate(a.value);
    });
    const current = this.store.inbound.get(req.sipTrunkId);
    if (!current) throw notFound(TRUNK_NOT_FOUND);
    const next = asReturned(() => {
      const a = req.action;
      if (a.case === 'replace') {
        const t = a.value.clone();
        t.sipTrunkId = current.sipTrunkId;
        validateInboundTrunk(t);
        return t;
      }
      return applyInboundUpdate(current, a.value!);
    });
    checkInboundTrunkConflicts(this.store.sortedInbound().map((t) => (t.sipTrunkId === next.sipTrunkId ? next : t)));
    this.store.inbound.set(next.sipTrunkId, next);
    return next.clone();
  }

  getInboundTrunk(req: GetSIPInboundTrunkRequest, g: Grants | undefined): GetSIPInboundTrunkResponse {
    ensureSipAdmin(g);
    if (req.sipTrunkId === '') throw invalidArgument('trunk ID is required');
    const t = this.store.inbound.get(req.sipTrunkId);
    if (!t) throw notFound(TRUNK_NOT_FOUND);
    return new GetSIPInboundTrunkResponse({ trunk: t.clone() });
  }

  listInboundTrunks(req: ListSIPInboundTrunkRequest, g: Grants | undefined): ListSIPInboundTrunkResponse {
    ensureSipAdmin(g);
    const wanted = req.numbers.map(normalizeNumber);
    const items = this.store.sortedInbound().filter((t) => {
      if (req.trunkIds.length && !req.trunkIds.includes(t.sipTrunkId)) return false;
      if (req.numbers.length && t.numbers.length) {
        return t.numbers.some((n) => req.numbers.includes(n) || wanted.includes(normalizeNumber(n)));
      }
      return true;
    });
    return new ListSIPInboundTrunkResponse({
      items: afterPage(items, (t) => t.sipTrunkId, req.page).map((t) => t.clone()),
    });
  }

  // ---------------------------------------------------------------- outbound trunks

  createOutboundTrunk(req: CreateSIPOutboundTrunkRequest, g: Grants | undefined): SIPOutboundTrunkInfo {
    ensureSipAdmin(g);
    const info = asInvalidArgument(() => {
      if (!req.trunk) throw plain('missing trunk');
      if (req.trunk.sipTrunkId !== '') throw plain('trunk id must not be set');
      validateOutboundTrunk(req.trunk);
      return req.trunk.clone();
    });
    // No conflict check for outbound trunks.
    info.sipTrunkId = newId('ST_');
    this.store.outbound.set(info.sipTrunkId, info);
    return info.clone();
  }

  updateOutboundTrunk(req: UpdateSIPOutboundTrunkRequest, g: Grants | undefined): SIPOutboundTrunkInfo {
    ensureSipAdmin(g);
    asInvalidArgument(() => {
      if (req.sipTrunkId === '') throw plain('trunk id must be set');
      const a = req.action;
      if (a.case === undefined) throw plain('missing or unsupported update action');
      if (a.case === 'replace') {
        if (a.value.sipTrunkId !== '' && a.value.sipTrunkId !== req.sipTrunkId)
          throw plain('trunk id in the info must be empty or match the id in the update');
        validateOutboundTrunk(a.value);
      } else validateOutboundUpdate(a.value);
    });
    const current = this.store.outbound.get(req.sipTrunkId);
    if (!current) throw notFound(TRUNK_NOT_FOUND);
    const next = asReturned(() => {
      const a = req.action;
      if (a.case === 'replace') {
        const t = a.value.clone();
        t.sipTrunkId = current.sipTrunkId;
        validateOutboundTrunk(t);
        return t;
      }
      return applyOutboundUpdate(current, a.value!);
    });
    this.store.outbound.set(next.sipTrunkId, next);
    return next.clone();
  }

  getOutboundTrunk(req: GetSIPOutboundTrunkRequest, g: Grants | undefined): GetSIPOutboundTrunkResponse {
    ensureSipAdmin(g);
    if (req.sipTrunkId === '') throw invalidArgument('trunk ID is required');
    const t = this.store.outbound.get(req.sipTrunkId);
    if (!t) throw notFound(TRUNK_NOT_FOUND);
    return new GetSIPOutboundTrunkResponse({ trunk: t.clone() });
  }

  listOutboundTrunks(req: ListSIPOutboundTrunkRequest, g: Grants | undefined): ListSIPOutboundTrunkResponse {
    ensureSipAdmin(g);
    const items = this.store.sortedOutbound().filter((t) => {
      if (req.trunkIds.length && !req.trunkIds.includes(t.sipTrunkId)) return false;
      if (req.numbers.length && t.numbers.length) return t.numbers.some((n) => req.numbers.includes(n));
      return true;
    });
    return new ListSIPOutboundTrunkResponse({
      items: afterPage(items, (t) => t.sipTrunkId, req.page).map((t) => t.clone()),
    });
  }

  // ---------------------------------------------------------------- both kinds

  /** Unknown IDs succeed (Redis HDEL); rules referencing the trunk are left alone. */
  deleteTrunk(req: DeleteSIPTrunkRequest, g: Grants | undefined): SIPTrunkInfo {
    ensureSipAdmin(g);
    if (req.sipTrunkId === '') throw invalidArgument('trunk ID is required');
    this.store.inbound.delete(req.sipTrunkId);
    this.store.outbound.delete(req.sipTrunkId);
    return new SIPTrunkInfo({ sipTrunkId: req.sipTrunkId });
  }

  /** Deprecated; only legacy trunks are listed, and the emulator never stores any. */
  listLegacyTrunks(g: Grants | undefined): ListSIPTrunkResponse {
    ensureSipAdmin(g);
    return new ListSIPTrunkResponse({ items: [] });
  }

  // ---------------------------------------------------------------- dispatch rules

  createDispatchRule(req: CreateSIPDispatchRuleRequest, g: Grants | undefined): SIPDispatchRuleInfo {
    ensureSipAdmin(g);
    const info = asInvalidArgument(() => {
      // `CreateSIPDispatchRuleRequest.DispatchRuleInfo()`: the new field wins, else the deprecated top-level ones (SDK).
      if (req.dispatchRule) {
        if (req.dispatchRule.sipDispatchRuleId !== '') throw plain('rule id must not be set');
        validateDispatchRule(req.dispatchRule);
        return req.dispatchRule.clone();
      }
      const legacy = new SIPDispatchRuleInfo({
        trunkIds: [...req.trunkIds],
        inboundNumbers: [...req.inboundNumbers],
        hidePhoneNumber: req.hidePhoneNumber,
        name: req.name,
        metadata: req.metadata,
        attributes: { ...req.attributes },
        roomPreset: req.roomPreset,
      });
      if (req.rule) legacy.rule = req.rule.clone();
      if (req.roomConfig) legacy.roomConfig = req.roomConfig.clone();
      validateDispatchRule(legacy);
      return legacy;
    });
    info.sipDispatchRuleId = '';
    // livekit/livekit pkg/service/sip.go CreateSIPDispatchRule: validates the rules listed with the request's
    // (deprecated, top-level) trunk IDs, plus the new one: rules for other trunks are not looked at.
    checkDispatchRuleConflicts([...this.store.sortedRules().filter((r) => listFilter(req.trunkIds, r)), info]);
    info.sipDispatchRuleId = newId('SDR_');
    this.store.rules.set(info.sipDispatchRuleId, info);
    return info.clone();
  }

  updateDispatchRule(req: UpdateSIPDispatchRuleRequest, g: Grants | undefined): SIPDispatchRuleInfo {
    ensureSipAdmin(g);
    asInvalidArgument(() => {
      if (req.sipDispatchRuleId === '') throw plain('rule id must be set');
      const a = req.action;
      if (a.case === undefined) throw plain('missing or unsupported update action');
      if (a.case === 'replace') {
        if (a.value.sipDispatchRuleId !== '' && a.value.sipDispatchRuleId !== req.sipDispatchRuleId) {
          throw plain('rule id in the info must be empty or match the id in the update');
        }
        validateDispatchRule(a.value);
      } else validateDispatchRuleUpdate(a.value);
    });
    const current = this.store.rules.get(req.sipDispatchRuleId);
    if (!current) throw notFound(RULE_NOT_FOUND);
    const next = asReturned(() => {
      const a = req.action;
      if (a.case === 'replace') {
        const r = a.value.clone();
        r.sipDispatchRuleId = current.sipDispatchRuleId;
        validateDispatchRule(r);
        return r;
      }
      return applyDispatchRuleUpdate(current, a.value!);
    });
    // livekit/livekit pkg/service/sip.go UpdateSIPDispatchRule: lists rules filtered by the NEW trunk IDs and
    // swaps in the updated rule only where its stored version appears (sip.WithDispatchRuleReplace). When the
    // stored version is not in that list (its trunk IDs changed), the updated rule is not checked at all.
    checkDispatchRuleConflicts(
      this.store
        .sortedRules()
        .filter((r) => listFilter(next.trunkIds, r))
        .map((r) => (r.sipDispatchRuleId === next.sipDispatchRuleId ? next : r)),
    );
    this.store.rules.set(next.sipDispatchRuleId, next);
    return next.clone();
  }

  listDispatchRules(req: ListSIPDispatchRuleRequest, g: Grants | undefined): ListSIPDispatchRuleResponse {
    ensureSipAdmin(g);
    const items = this.store.sortedRules().filter((r) => {
      if (req.dispatchRuleIds.length && !req.dispatchRuleIds.includes(r.sipDispatchRuleId)) return false;
      return listFilter(req.trunkIds, r);
    });
    return new ListSIPDispatchRuleResponse({
      items: afterPage(items, (r) => r.sipDispatchRuleId, req.page).map((r) => r.clone()),
    });
  }

  deleteDispatchRule(req: DeleteSIPDispatchRuleRequest, g: Grants | undefined): SIPDispatchRuleInfo {
    ensureSipAdmin(g);
    if (req.sipDispatchRuleId === '') throw invalidArgument('dispatch rule ID is required');
    const r = this.store.rules.get(req.sipDispatchRuleId);
    if (!r) throw notFound(RULE_NOT_FOUND);
    this.store.rules.delete(req.sipDispatchRuleId);
    return r.clone();
  }
}
