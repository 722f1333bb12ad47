/** `livekit.RoomService` and `livekit.AgentDispatchService` (pkg/service/roomservice.go, agent_dispatch_service.go). */
import {
  type AgentDispatch,
  type CreateAgentDispatchRequest,
  type CreateRoomRequest,
  type DeleteAgentDispatchRequest,
  type DeleteRoomRequest,
  DeleteRoomResponse,
  DisconnectReason,
  type ListAgentDispatchRequest,
  ListAgentDispatchResponse,
  type ListParticipantsRequest,
  ListParticipantsResponse,
  type ListRoomsRequest,
  ListRoomsResponse,
  type ParticipantInfo,
  ParticipantInfo_Kind,
  RemoveParticipantResponse,
  type Room,
  type RoomParticipantIdentity,
  type UpdateParticipantRequest,
  type UpdateRoomMetadataRequest,
} from '@livekit/protocol';
import { ensureRoomAdmin, ensureRoomCreate, ensureRoomList, type Grants } from './auth';
import { compareIds } from './ids';
import type { RoomStore } from './state';
import { notFound } from './twirp';
import { applyMapDiff } from './validation';

const ROOM_NOT_FOUND = 'requested room does not exist';
const PARTICIPANT_NOT_FOUND = 'participant does not exist';

export class RoomService {
  constructor(private readonly rooms: RoomStore) {}

  async createRoom(req: CreateRoomRequest, g: Grants | undefined): Promise<Room> {
    ensureRoomCreate(g);
    const { state } = await this.rooms.ensure(req.name, {
      emptyTimeout: req.emptyTimeout,
      departureTimeout: req.departureTimeout,
      maxParticipants: req.maxParticipants,
      metadata: req.metadata,
      agents: req.agents,
    });
    return this.rooms.snapshot(state);
  }

  listRooms(req: ListRoomsRequest, g: Grants | undefined): ListRoomsResponse {
    ensureRoomList(g);
    const all = [...this.rooms.rooms.values()].filter((s) => req.names.length === 0 || req.names.includes(s.room.name));
    all.sort((a, b) => compareIds(a.room.name, b.room.name));
    return new ListRoomsResponse({ rooms: all.map((s) => this.rooms.snapshot(s)) });
  }

  async deleteRoom(req: DeleteRoomRequest, g: Grants | undefined): Promise<DeleteRoomResponse> {
    ensureRoomCreate(g);
    const state = this.rooms.get(req.room);
    if (!state) throw notFound(ROOM_NOT_FOUND);
    await this.rooms.delete(state);
    return new DeleteRoomResponse();
  }

  listParticipants(req: ListParticipantsRequest, g: Grants | undefined): ListParticipantsResponse {
    ensureRoomAdmin(g, req.room);
    const state = this.rooms.get(req.room);
    return new ListParticipantsResponse({
      participants: state ? [...state.participants.values()].map((p) => p.clone()) : [],
    });
  }

  getParticipant(req: RoomParticipantIdentity, g: Grants | undefined): ParticipantInfo {
    ensureRoomAdmin(g, req.room);
    const p = this.rooms.get(req.room)?.participants.get(req.identity);
    if (!p) throw notFound(PARTICIPANT_NOT_FOUND);
    return p.clone();
  }

  /** For a SIP participant this hangs up the call (`sip.callStatus` hangup, PARTICIPANT_REMOVED). */
  async removeParticipant(req: RoomParticipantIdentity, g: Grants | undefined): Promise<RemoveParticipantResponse> {
    ensureRoomAdmin(g, req.room);
    const state = this.rooms.get(req.room);
    const p = state?.participants.get(req.identity);
    if (!state || !p) throw notFound(PARTICIPANT_NOT_FOUND);
    await this.rooms.leave(
      state,
      req.identity,
      DisconnectReason.PARTICIPANT_REMOVED,
      p.kind === ParticipantInfo_Kind.SIP ? { callStatus: 'hangup' } : {},
    );
    return new RemoveParticipantResponse();
  }

  updateParticipant(req: UpdateParticipantRequest, g: Grants | undefined): ParticipantInfo {
    ensureRoomAdmin(g, req.room);
    const p = this.rooms.get(req.room)?.participants.get(req.identity);
    if (!p) throw notFound(PARTICIPANT_NOT_FOUND);
    if (req.metadata !== '') p.metadata = req.metadata;
    if (req.name !== '') p.name = req.name;
    p.attributes = applyMapDiff(p.attributes, req.attributes);
    p.version += 1;
    return p.clone();
  }

  updateRoomMetadata(req: UpdateRoomMetadataRequest, g: Grants | undefined): Room {
    ensureRoomAdmin(g, req.room);
    const state = this.rooms.get(req.room);
    if (!state) throw notFound(ROOM_NOT_FOUND);
    state.room.metadata = req.metadata;
    return this.rooms.snapshot(state);
  }

  // ---------------------------------------------------------------- agent dispatch

  /** Auto-creates the room (room_started) as OSS livekit-server does, then records the dispatch. */
  async createDispatch(req: CreateAgentDispatchRequest, g: Grants | undefined): Promise<AgentDispatch> {
    ensureRoomAdmin(g, req.room);
    const { state } = await this.rooms.ensure(req.room);
    const d = this.rooms.newDispatch(req.room, req.agentName, req.metadata);
    d.restartPolicy = req.restartPolicy;
    d.deployment = req.deployment;
    state.dispatches.push(d);
    return d.clone();
  }

  deleteDispatch(req: DeleteAgentDispatchRequest, g: Grants | undefined): AgentDispatch {
    ensureRoomAdmin(g, req.room);
    const state = this.rooms.get(req.room);
    const i = state ? state.dispatches.findIndex((d) => d.id === req.dispatchId) : -1;
    if (!state || i < 0) throw notFound('dispatch not found');
    const [d] = state.dispatches.splice(i, 1);
    return d!.clone();
  }

  listDispatch(req: ListAgentDispatchRequest, g: Grants | undefined): ListAgentDispatchResponse {
    ensureRoomAdmin(g, req.room);
    const all = this.rooms.get(req.room)?.dispatches ?? [];
    return new ListAgentDispatchResponse({
      agentDispatches: all.filter((d) => req.dispatchId === '' || d.id === req.dispatchId).map((d) => d.clone()),
    });
  }
}
