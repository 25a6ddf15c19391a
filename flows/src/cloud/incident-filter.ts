import type { IncidentState, IncidentStreamChange } from '@gridlink/protocol';

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
