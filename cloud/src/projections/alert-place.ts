import type { CloudEvent, Place } from '@gridlink/protocol';
import type { TerritoryStore } from '../territory/store.js';

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
  if (!placement) return event;
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
