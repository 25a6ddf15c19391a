import { type DeviceKind, profileOf } from '@gridlink/protocol';

type Schema = { meta(): { unit?: string } | undefined; unwrap?: () => Schema };

/** The unit of a field's schema, looking through `.optional()` and the like, which carry no metadata. */
function unitOf(schema: Schema | undefined): string | undefined {
  for (let s = schema; s !== undefined; s = s.unwrap?.()) {
    const unit = s.meta()?.unit;
    if (unit !== undefined) return unit;
  }
  return undefined;
}

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
    const unit = unitOf(fields[field] as Schema | undefined);
    if (unit !== undefined) units[field] = unit;
  }
  return units;
}
