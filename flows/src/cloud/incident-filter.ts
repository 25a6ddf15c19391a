import { INCIDENT_STATES, type IncidentState, type IncidentStreamChange } from '@gridlink/protocol';

/**
 * Which incident changes a flow wants, within what its token may see (the cloud scopes the stream
 * by the token's roles; this narrows it further). An empty list lets everything through.
 */
export interface IncidentFilter {
  /** Category codes; each takes its sub-categories too (`fire` takes `fire.smoke`), as the list does. */
  categories?: readonly string[];
  states?: readonly IncidentState[];
  /** Territory codes: a grid (15 digits), a community (12, and its grids), or wider. */
  places?: readonly string[];
}

export function matchesFilter(filter: IncidentFilter, change: IncidentStreamChange): boolean {
  const { categories = [], states = [], places = [] } = filter;
  if (categories.length > 0 && !categories.some((c) => change.category === c || change.category.startsWith(`${c}.`)))
    return false;
  if (states.length > 0 && !states.includes(change.state)) return false;
  const place = change.grid ?? change.community ?? '';
  if (places.length > 0 && !places.some((code) => place.startsWith(code))) return false;
  return true;
}

/**
 * A filter from a node's settings: comma- or space-separated lists of category codes, states and
 * territory codes; an unknown state or a code that is not digits is refused with the fix.
 */
export function filterFromSettings(settings: {
  categories?: string;
  states?: string;
  places?: string;
}): { ok: true; filter: IncidentFilter } | { ok: false; reason: string } {
  const list = (text: string | undefined) => (text ?? '').split(/[\s,，、]+/).filter((item) => item !== '');
  const states = list(settings.states).map((state) => state.toUpperCase());
  const unknown = states.filter((state) => !(INCIDENT_STATES as readonly string[]).includes(state));
  if (unknown.length > 0) {
    return {
      ok: false,
      reason: `states: ${unknown.join(', ')} is no incident state; use ${INCIDENT_STATES.join(', ')}`,
    };
  }
  const places = list(settings.places);
  const notCodes = places.filter((code) => !/^\d{6,15}$/.test(code));
  if (notCodes.length > 0) {
    return {
      ok: false,
      reason: `places: ${notCodes.join(', ')} is no territory code; use grid (15 digits) or community (12 digits) codes`,
    };
  }
  return { ok: true, filter: { categories: list(settings.categories), states: states as IncidentState[], places } };
}
