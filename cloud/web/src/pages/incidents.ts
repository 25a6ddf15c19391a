import { type Category, call, type Incident, Problem, type Session } from '../api.js';
import { categories, categoryName } from '../categories.js';
import { h, replace } from '../dom.js';
import { pick, SEVERITY_CODES, STATE_CODES, severityName, sourceName, stateName, t, when } from '../i18n.js';
import { type Light, lightBadge, lightOf } from '../lights.js';
import { live } from '../live.js';
import type { Cleanup } from '../main.js';

/** The filters survive going to an incident and back; the API applies them. */
const filters = { state: '', category: '', grid: '', community: '', severity: '' };
type Filter = keyof typeof filters;
/** Grids and communities the lists so far held: offered as filters even when the list is narrowed. */
const seen = { grids: new Set<string>(), communities: new Set<string>() };

/** Lights move with time alone; the list reads them again this often. */
const REFRESH_MS = 60_000;

interface LightRow {
  id: string;
  light: string | null;
  deadline: string | null;
}

/**
 * The incidents in the user's scope (the API filters by role and territory), newest first, with
 * traffic lights; filters by state, category (with its sub-categories), grid, community and severity,
 * each asked of the API (not applied to a page already read). A live notification, or
 * the live stream coming back, reads the list again, so new and changed incidents appear.
 */
export function incidentsPage(main: HTMLElement, current: Session): Cleanup {
  let incidents: Incident[] = [];
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
      for (const row of read.lights) next.set(row.id, lightOf(row.light, row.deadline));
    }
    incidents = answer.incidents;
    lights = next;
    error.classList.add('hidden');
    drawFilters();
    draw();
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

  const offNotification = live.on((notification) => {
    toast.textContent = `${t('newPush')}${pick(notification.title)} — ${pick(notification.text)}`;
    toast.classList.remove('hidden');
    void load();
  });
  const offStatus = live.onStatus((connected) => {
    if (connected) void load();
  });
  const timer = window.setInterval(() => void load(), REFRESH_MS);
  void load();
  return () => {
    offNotification();
    offStatus();
    clearInterval(timer);
  };
}
