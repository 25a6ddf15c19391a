import { type Category, call, type Incident, Problem, type Session } from '../api.js';
import { categories, categoryName } from '../categories.js';
import { h, replace } from '../dom.js';
import { pick, SEVERITY_CODES, STATE_CODES, severityName, sourceName, stateName, t, when } from '../i18n.js';
import { type IncidentChange, incidentChanges } from '../incident-changes.js';
import { type Light, lightBadge, lightOf, type TimeStatus } from '../lights.js';
import { live } from '../live.js';
import type { Cleanup } from '../main.js';

/** The filters survive going to an incident and back; the API applies them. */
const filters = { state: '', category: '', grid: '', community: '', severity: '' };
type Filter = keyof typeof filters;
/** Grids and communities the lists so far held: offered as filters even when the list is narrowed. */
const seen = { grids: new Set<string>(), communities: new Set<string>() };

/**
 * Lights move with time alone: the list reads them again this often. The whole list too, but only
 * while the incident stream is down (it brings the changes otherwise).
 */
const REFRESH_MS = 60_000;

interface LightRow extends TimeStatus {
  id: string;
}

/**
 * The incidents in the user's scope (the API filters by role and territory), newest first, with
 * traffic lights; filters by state, category, severity, community and grid (the API applies
 * them). The incident stream keeps it current: a changed row is updated in place (or leaves when
 * it no longer matches the filters), an incident new to the list reads the list again.
 */
export function incidentsPage(main: HTMLElement, current: Session): Cleanup {
  let incidents: Incident[] = [];
  /** The newest change the stream brought of each incident since the list was last read. */
  const streamed = new Map<string, IncidentChange>();
  let lights = new Map<string, Light>();
  let loading: Promise<void> | undefined;
  let again = false;
  let catalogue: Category[] = [];

  const filterSelect = (name: Filter, label: string) => {
    const select: HTMLSelectElement = h('select', {
      name,
      'aria-label': label,
      onchange: () => {
        filters[name] = select.value;
        void load();
      },
    });
    return select;
  };
  const stateSelect = filterSelect('state', t('state'));
  const categorySelect = filterSelect('category', t('category'));
  const gridSelect = filterSelect('grid', t('grid'));
  const communitySelect = filterSelect('community', t('community'));
  const severitySelect = filterSelect('severity', t('severity'));
  const toast = h('p', { class: 'toast hidden', role: 'status', id: 'toast' });
  const list = h('ul', { class: 'incidents', id: 'incident-list' }, h('li', { class: 'empty' }, t('loading')));
  const error = h('p', { class: 'notice error hidden', role: 'alert' });

  replace(
    main,
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, t('incidents')),
      h(
        'div',
        { class: 'filters' },
        stateSelect,
        categorySelect,
        severitySelect,
        communitySelect,
        gridSelect,
        h('button', { type: 'button', onclick: () => void load() }, t('refresh')),
      ),
    ),
    toast,
    error,
    list,
  );

  const options = (select: HTMLSelectElement, all: string, values: Array<[string, string]>, chosen: string) => {
    replace(
      select,
      h('option', { value: '' }, all),
      values.map(([value, text]) => h('option', { value, selected: value === chosen }, text)),
    );
  };

  const drawFilters = () => {
    options(
      stateSelect,
      t('allStates'),
      STATE_CODES.map((code) => [code, stateName(code)]),
      filters.state,
    );
    // The whole catalogue: choosing a category lists its sub-categories' incidents too.
    options(
      categorySelect,
      t('allCategories'),
      catalogue.map((category) => [category.code, categoryName(category.code)]),
      filters.category,
    );
    options(
      severitySelect,
      t('allSeverities'),
      SEVERITY_CODES.map((code) => [code, severityName(code)]),
      filters.severity,
    );
    // The user's own grids and communities, and any other their lists held (operators see many).
    const own = (role: string) => current.user.roles.filter((a) => a.role === role).map((a) => a.scope);
    for (const grid of own('grid_worker')) seen.grids.add(grid);
    for (const community of own('property_manager')) seen.communities.add(community);
    for (const incident of incidents) {
      if (incident.place.grid) seen.grids.add(incident.place.grid);
      if (incident.place.community) seen.communities.add(incident.place.community);
    }
    options(
      gridSelect,
      t('allGrids'),
      [...seen.grids].sort().map((grid) => [grid, grid]),
      filters.grid,
    );
    options(
      communitySelect,
      t('allCommunities'),
      [...seen.communities].sort().map((community) => [community, community]),
      filters.community,
    );
  };

  const draw = () => {
    const shown = incidents;
    if (shown.length === 0) {
      replace(list, h('li', { class: 'empty' }, t('noIncidents')));
      return;
    }
    replace(
      list,
      shown.map((incident) => {
        const light = lights.get(incident.id) ?? 'none';
        const place = [incident.place.grid ?? incident.place.community, incident.place.address]
          .filter(Boolean)
          .join(' · ');
        return h(
          'li',
          { class: `incident light-edge-${light}`, 'data-id': incident.id, 'data-state': incident.state },
          h(
            'a',
            { class: 'card-link', href: `#/incidents/${encodeURIComponent(incident.id)}` },
            h(
              'div',
              { class: 'row' },
              lightBadge(light),
              h('span', { class: 'state' }, stateName(incident.state)),
              incident.urgent && h('span', { class: 'tag urgent' }, t('urgent')),
              incident.drill && h('span', { class: 'tag' }, t('drill')),
              h('span', { class: 'id' }, incident.id),
            ),
            h('div', { class: 'title' }, incident.title),
            h(
              'div',
              { class: 'meta' },
              h('span', {}, categoryName(incident.categoryCode)),
              h('span', {}, severityName(incident.severity)),
              h('span', {}, sourceName(incident.source)),
              incident.occurrences > 1 && h('span', {}, `×${incident.occurrences}`),
              h('span', {}, place),
              h('span', {}, when(incident.updatedAt)),
            ),
          ),
        );
      }),
    );
  };

  const fetchAll = async () => {
    catalogue = await categories().catch(() => catalogue);
    const query = new URLSearchParams({ limit: '200' });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    const answer = await call<{ incidents: Incident[] }>('GET', `/incidents?${query}`);
    const next = new Map<string, Light>();
    if (answer.incidents.length > 0) {
      const ids = answer.incidents.map((i) => i.id).join(',');
      const read = await call<{ lights: LightRow[] }>('GET', `/incident-lights?ids=${encodeURIComponent(ids)}`);
      for (const row of read.lights) next.set(row.id, lightOf(row));
    }
    // A change streamed while this list was read may be newer than the row read: it wins.
    const merged: string[] = [];
    incidents = answer.incidents.filter((incident) => {
      const newer = streamed.get(incident.id);
      if (newer === undefined || newer.version <= incident.version) return true;
      merged.push(incident.id);
      return apply(incident, newer);
    });
    streamed.clear();
    lights = next;
    error.classList.add('hidden');
    drawFilters();
    draw();
    if (merged.length > 0) readLights(merged).catch(() => undefined);
  };

  // One read at a time; a request meanwhile reads once more after it.
  const load = async (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = fetchAll()
      .catch((err: unknown) => {
        error.textContent = err instanceof Problem ? err.text : String(err);
        error.classList.remove('hidden');
      })
      .finally(() => {
        loading = undefined;
        if (again) {
          again = false;
          void load();
        }
      });
    return loading;
  };

  const readLights = async (ids: string[]) => {
    if (ids.length === 0) return;
    const read = await call<{ lights: LightRow[] }>('GET', `/incident-lights?ids=${encodeURIComponent(ids.join(','))}`);
    for (const row of read.lights) lights.set(row.id, lightOf(row));
    draw();
  };

  // The list's filters, as the API applies them (a category holds its sub-categories).
  const wanted = (change: IncidentChange) =>
    (!filters.state || filters.state === change.state) &&
    (!filters.category || change.category === filters.category || change.category.startsWith(`${filters.category}.`)) &&
    (!filters.grid || filters.grid === change.grid) &&
    (!filters.community || filters.community === change.community) &&
    (!filters.severity || filters.severity === change.severity);

  /** Brings a row up to a change; false when it no longer belongs in the list. */
  const apply = (known: Incident, change: IncidentChange): boolean => {
    known.version = change.version;
    known.state = change.state;
    known.categoryCode = change.category;
    known.severity = change.severity;
    known.place = { ...known.place, grid: change.grid, community: change.community };
    known.updatedAt = change.updated_at;
    return wanted(change);
  };

  // A change of a row shown is applied in place; an incident new to the list needs its title: read it.
  const changed = (change: IncidentChange | 'reload') => {
    if (change === 'reload') return void load();
    // Kept until the next read of the list, which may have started before this change.
    const before = streamed.get(change.id);
    if (before === undefined || before.version < change.version) streamed.set(change.id, change);
    const known = incidents.find((incident) => incident.id === change.id);
    if (!known) {
      if (wanted(change)) void load();
      return;
    }
    if (known.version >= change.version) return;
    if (!apply(known, change)) incidents = incidents.filter((incident) => incident !== known);
    drawFilters();
    draw();
    readLights([known.id]).catch(() => undefined);
  };

  const offChanges = incidentChanges.on(changed);
  // Read once the stream is open, so nothing between the first read and the stream is missed;
  // after a drop the stream itself sends what was missed (or says to reload).
  let opened = false;
  const offChangesStatus = incidentChanges.onStatus((connected) => {
    if (connected && !opened) void load();
    if (connected) opened = true;
  });
  const offNotification = live.on((notification) => {
    toast.textContent = `${t('newPush')}${pick(notification.title)} — ${pick(notification.text)}`;
    toast.classList.remove('hidden');
    if (!incidentChanges.connected) void load();
  });
  const offStatus = live.onStatus((connected) => {
    if (connected && !incidentChanges.connected) void load();
  });
  const timer = window.setInterval(() => {
    if (incidentChanges.connected) readLights(incidents.map((incident) => incident.id)).catch(() => undefined);
    else void load();
  }, REFRESH_MS);
  incidentChanges.start();
  void load();
  return () => {
    offChanges();
    offChangesStatus();
    incidentChanges.stop();
    offNotification();
    offStatus();
    clearInterval(timer);
  };
}
