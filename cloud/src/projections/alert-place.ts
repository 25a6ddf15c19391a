import type { CloudEvent, Place } from '@gridlink/protocol';
import type { Queryable } from '../db/db.js';
import { type DevicePlacement, placesAt, type TerritoryStore } from '../territory/store.js';

const ACTIVE_ALERTS = new Set(['cn.gridlink.alert.raised.v1', 'cn.gridlink.alert.updated.v1']);

/**
 * The place an alert is about, as the cloud knows it: where the device was installed (its grid,
 * building, unit and floor, recorded at installation) at the time of the alert. The gateway's own
 * record of the place is used only when the cloud has no placement for the device: the cloud's
 * territory data is the reference for grids.
 */
export async function withInstalledPlace(territory: TerritoryStore, event: CloudEvent): Promise<CloudEvent> {
  if (!ACTIVE_ALERTS.has(event.type)) return event;
  const alert = event.data as { device_id: string; place?: Place };
  const placement = await territory.placeOf(event.gatewayid, alert.device_id, new Date(event.time));
  return placedAt(event, placement);
}

/** {@link withInstalledPlace} for a batch of events, with one query for all their placements. */
export async function withInstalledPlaces(db: Queryable, events: readonly CloudEvent[]): Promise<CloudEvent[]> {
  const active = events.filter((event) => ACTIVE_ALERTS.has(event.type));
  const placements = await placesAt(
    db,
    active.map((event) => ({
      gatewayId: event.gatewayid,
      deviceId: (event.data as { device_id: string }).device_id,
      at: new Date(event.time),
    })),
  );
  const placed = new Map(active.map((event, at) => [event, placedAt(event, placements[at])]));
  return events.map((event) => placed.get(event) ?? event);
}

function placedAt(event: CloudEvent, placement: DevicePlacement | undefined): CloudEvent {
  if (!placement) return event;
  const alert = event.data as { device_id: string; place?: Place };
  const place: Place = {
    ...alert.place,
    community: placement.community,
    grid: placement.grid,
    ...(placement.building === null ? {} : { building: placement.building }),
    ...(placement.unit === null ? {} : { unit: placement.unit }),
    ...(placement.floor === null ? {} : { floor: placement.floor }),
  };
  return { ...event, data: { ...alert, place } } as CloudEvent;
}
