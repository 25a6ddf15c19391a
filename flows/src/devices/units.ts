import { type DeviceKind, profileOf } from '@gridlink/protocol';

type WithMeta = { meta(): { unit?: string } | undefined };

/**
 * The unit of each field of a device message that has one, as the kind's profile declares it
 * (`{ temperature: '°C', humidity: '%RH' }`): state fields from the profile's state, event fields
 * from that event's fields.
 */
export function unitsOf(
  kind: DeviceKind,
  payload: Record<string, unknown>,
  eventType?: string,
): Record<string, string> {
  const profile = profileOf(kind);
  const fields = (eventType === undefined ? profile.state : profile.events[eventType]?.fields) ?? {};
  const units: Record<string, string> = {};
  for (const field of Object.keys(payload)) {
    const unit = (fields[field] as WithMeta | undefined)?.meta()?.unit;
    if (unit !== undefined) units[field] = unit;
  }
  return units;
}
