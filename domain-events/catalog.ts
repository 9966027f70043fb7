// The whole vocabulary in one place: adding an event type means defining it in events/ and
// listing it here.
import { type EventDef, type EventOfDef } from './define.js';
import * as cookie from './events/cookie.js';
import * as dmaApi from './events/dma-api.js';
import * as dmaIova from './events/dma-iova.js';
import * as ioas from './events/ioas.js';
import * as ioasid from './events/ioasid.js';
import * as iova from './events/iova.js';
import * as mapping from './events/mapping.js';
import * as msi from './events/msi.js';
import * as reserved from './events/reserved.js';
import * as topology from './events/topology.js';
import * as trace from './events/trace.js';

export const EVENT_DEFS = [
  topology.GroupCreated,
  topology.DeviceAddedToGroup,
  topology.DeviceRemovedFromGroup,
  topology.DomainAllocated,
  topology.DomainFreed,
  topology.DeviceAttached,
  topology.DeviceDetached,
  topology.ReservedRegionDeclared,
  topology.DeviceDmaConfigured,
  topology.Pci32WorkaroundCleared,
  cookie.DmaCookieGot,
  cookie.MsiCookieGot,
  cookie.CookiePut,
  cookie.IovaDomainInitialised,
  cookie.IovaDomainPut,
  iova.IovaRangeReserved,
  iova.IovaAllocated,
  iova.IovaAllocFailed,
  iova.IovaFreed,
  iova.IovaFreeIgnored,
  iova.IovaCached,
  iova.RcacheChanged,
  mapping.Mapped,
  mapping.MapFailed,
  mapping.Unmapped,
  mapping.PgtableConfigured,
  mapping.PgtableTableAllocated,
  mapping.PgtableTableFreed,
  mapping.IotlbFlushed,
  mapping.FlushQueued,
  mapping.FlushQueueDrained,
  mapping.FlushQueueTimerExpired,
  msi.MsiPageGot,
  msi.MsiPagePut,
  msi.MsiUntranslated,
  msi.MsiCookieIovaMoved,
  reserved.ReservedIovaDomainAllocated,
  reserved.ReservedIovaDomainFreed,
  ioas.IoasAllocated,
  ioas.IoasAreaMapped,
  ioas.IoasAreaUnmapped,
  ioasid.IoasidSetAllocated,
  ioasid.IoasidAllocated,
  ioasid.IoasidFreed,
  ioasid.IoasidDataSet,
  ioasid.IoasidLookedUp,
  ioasid.IoasidAllocatorRegistered,
  ioasid.IoasidAllocatorUnregistered,
  ioasid.IoasidCustomPoolChanged,
  ioasid.PasidDeviceConfigured,
  ioasid.PasidAllocated,
  ioasid.PasidFreed,
  ioasid.SvaBound,
  ioasid.SvaUnbound,
  dmaApi.DmaApiCalled,
  dmaIova.DmaIovaAllocated,
  dmaIova.DmaIovaLinked,
  dmaIova.DmaIovaUnlinked,
  dmaIova.DmaIovaFreed,
  trace.PageFaulted,
  trace.MarkerWritten,
  trace.EventsLost,
  trace.RawEventKept,
] as const;

type Defs = (typeof EVENT_DEFS)[number];

/** Any event of the vocabulary, discriminated by `type`. */
export type IommuEvent = Defs extends infer D ? (D extends EventDef ? EventOfDef<D> : never) : never;
export type EventType = IommuEvent['type'];
export type EventOf<T extends EventType> = Extract<IommuEvent, { type: T }>;

export const eventDefs: ReadonlyMap<string, EventDef> = new Map(EVENT_DEFS.map((d) => [d.type, d as EventDef]));

export const EVENT_TYPES = EVENT_DEFS.map((d) => d.type) as EventType[];

export function isEventType(t: string): t is EventType {
  return eventDefs.has(t);
}
