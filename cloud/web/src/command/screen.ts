import type { CommandCentreOverview } from '@gridlink/cloud';
import { ref, shallowRef } from 'vue';
import { call } from '../api.js';
import { errorText } from '../errors.js';
import { type IncidentChange, incidentChanges } from '../incident-changes.js';

export type Overview = CommandCentreOverview;
export type Pins = Overview['pins'];
/** A ticker line: the server's, or one heard live (whose source the next read tells). */
export type TickerItem = Omit<Overview['ticker'][number], 'source'> & { source: string | null };

/** States that end the loop: an incident in one leaves the open figures (the server's `closed_at`). */
const ENDED = new Set(['CLOSED', 'EVALUATED', 'ARCHIVED', 'INVALID', 'MERGED']);
/** The whole overview is read again this often, and this long after live changes (it knows sources, lights). */
const REFRESH_MS = 60_000;
const SETTLE_MS = 10_000;

/** What the map hears of the pins: all of them anew, or one pin added, moved to a state, or gone. */
export type PinEvent = { kind: 'reset' } | { kind: 'add'; index: number } | { kind: 'remove'; index: number };

/**
 * The command screen's state: the overview read from the server, kept current by the incident
 * stream between reads. Changes are queued as they arrive and applied once per animation frame,
 * so a burst of hundreds redraws the figures and charts once; pins are columns (as the server
 * sends them) with an index by id, so 10,000 of them cost no reactive proxies.
 */
export class CommandScreen {
  readonly overview = shallowRef<Overview>();
  readonly status = ref<'loading' | 'ready' | 'error'>('loading');
  readonly error = ref('');
  /** A refresh that failed while earlier figures stay shown. */
  readonly refreshError = ref('');
  readonly connected = ref(false);
  /** When the figures shown were last read whole, or last changed live. */
  readonly updatedAt = ref<string>('');
  /** Incidents that appeared or changed live since the last read (the page marks them). */
  readonly fresh = shallowRef<ReadonlySet<string>>(new Set());
  /** Critical incidents heard live since the last read, newest first (the ticker shows them before the read's). */
  readonly tickerLive = shallowRef<readonly TickerItem[]>([]);

  private readonly pinListeners = new Set<(event: PinEvent) => void>();
  private readonly index = new Map<string, number>();
  private readonly removed = new Set<number>();
  private queue: IncidentChange[] = [];
  private frame = 0;
  private refreshTimer: number | undefined;
  private settleTimer: number | undefined;
  private loading: Promise<void> | undefined;
  private released: Array<() => void> = [];
  /** Grid and community centres the map knows (boundaries), for incidents that arrive live. */
  private readonly centres = new Map<string, [number, number]>();

  constructor(private readonly territory?: string) {}

  start(): void {
    this.released.push(
      incidentChanges.acquire(),
      incidentChanges.on((change) => {
        if (change === 'reload') void this.refresh();
        else this.enqueue(change);
      }),
      incidentChanges.onStatus((connected) => {
        this.connected.value = connected;
        // Back after a drop: what was missed beyond the stream's memory comes with a fresh read.
        if (connected && this.status.value !== 'loading') this.settle();
      }),
    );
    this.connected.value = incidentChanges.connected;
    void this.refresh();
    this.refreshTimer = window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  stop(): void {
    for (const release of this.released) release();
    this.released = [];
    window.clearInterval(this.refreshTimer);
    window.clearTimeout(this.settleTimer);
    cancelAnimationFrame(this.frame);
    this.pinListeners.clear();
  }

  onPins(listener: (event: PinEvent) => void): () => void {
    this.pinListeners.add(listener);
    return () => this.pinListeners.delete(listener);
  }

  /** Whether pin `index` is still open (pins of ended incidents stay in the columns until the next read). */
  shown(index: number): boolean {
    return !this.removed.has(index);
  }

  /** A unit's centre (WGS-84 lon, lat) for pins that arrive live; the map tells them from the boundaries. */
  knowCentre(code: string, centre: [number, number]): void {
    this.centres.set(code, centre);
  }

  /** Reads the whole overview (one at a time); a failure keeps the figures shown and says so. */
  refresh(): Promise<void> {
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<void> {
    try {
      const query = this.territory ? `?territory=${encodeURIComponent(this.territory)}` : '';
      const overview = await call<Overview>('GET', `/command-centre/overview${query}`);
      // Changes heard while reading may be older than the read: the queue is applied over it anyway
      // (a state set twice is the same state).
      this.index.clear();
      this.removed.clear();
      overview.pins.id.forEach((id, at) => {
        this.index.set(id, at);
      });
      for (const grid of overview.grids) if (grid.centroid) this.centres.set(grid.code, grid.centroid);
      this.overview.value = overview;
      this.fresh.value = new Set();
      this.tickerLive.value = [];
      this.updatedAt.value = overview.as_of;
      this.refreshError.value = '';
      this.error.value = '';
      this.status.value = 'ready';
      for (const listener of this.pinListeners) listener({ kind: 'reset' });
      if (this.queue.length > 0) this.schedule();
    } catch (err) {
      if (this.overview.value) this.refreshError.value = errorText(err);
      else {
        this.error.value = errorText(err);
        this.status.value = 'error';
      }
    }
  }

  private enqueue(change: IncidentChange): void {
    const territories = this.overview.value?.territories;
    const code = change.grid ?? change.community ?? '';
    if (territories && !territories.some((prefix) => code.startsWith(prefix))) return;
    this.queue.push(change);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== 0 || !this.overview.value) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** A fresh read a little after live changes: sources, lights and the ticker come from the server. */
  private settle(): void {
    window.clearTimeout(this.settleTimer);
    this.settleTimer = window.setTimeout(() => void this.refresh(), SETTLE_MS);
  }

  /** Applies every queued change to the figures and pins at once: one redraw per frame. */
  private flush(): void {
    const current = this.overview.value;
    if (!current || this.queue.length === 0) return;
    const changes = this.queue;
    this.queue = [];
    const pins = current.pins;
    const states = new Map(current.open.by_state.map((row) => [row.state as string, row.count]));
    const categories = new Map(current.open.by_category.map((row) => [row.code, row]));
    const grids = new Map(current.grids.map((grid) => [grid.code, { ...grid }]));
    const lights = { ...current.open.by_light };
    const today = { ...current.today };
    const fresh = new Set(this.fresh.value);
    const ticker: TickerItem[] = [];
    let total = current.open.total;
    const lightKey = ['none', 'green', 'yellow', 'red'] as const;
    const events: PinEvent[] = [];
    const bump = <K>(map: Map<K, number>, key: K, by: number) => map.set(key, Math.max(0, (map.get(key) ?? 0) + by));
    const bumpCategory = (code: string, by: number) => {
      const top = code.split('.')[0] ?? code;
      const row = categories.get(top) ?? {
        code: top,
        name: current.category_names[top] ?? { zh: top, en: top },
        count: 0,
      };
      categories.set(top, { ...row, count: Math.max(0, row.count + by) });
    };
    const bumpGrid = (code: string | null, by: number) => {
      if (!code) return;
      const grid = grids.get(code.slice(0, 15)) ?? {
        code: code.slice(0, 15),
        name: { zh: code, en: code },
        open: 0,
        light: null,
        centroid: this.centres.get(code.slice(0, 15)) ?? null,
      };
      grid.open = Math.max(0, grid.open + by);
      grids.set(grid.code, grid);
    };

    for (const change of changes) {
      const at = this.index.get(change.id);
      const ended = ENDED.has(change.state);
      if (at !== undefined && !this.removed.has(at)) {
        const before = pins.states[pins.state[at] ?? 0] ?? '';
        if (before === change.state) continue;
        bump(states, before, -1);
        fresh.add(change.id);
        if (change.state === 'CLOSED') today.closed += 1;
        if (ended) {
          total -= 1;
          bumpCategory(pins.categories[pins.category[at] ?? 0] ?? change.category, -1);
          bumpGrid(change.grid, -1);
          const light = lightKey[pins.light[at] ?? 0] ?? 'none';
          lights[light] = Math.max(0, lights[light] - 1);
          this.removed.add(at);
          events.push({ kind: 'remove', index: at });
        } else {
          bump(states, change.state, 1);
          pins.state[at] = stateIndex(pins, change.state);
        }
      } else if (at === undefined && !ended) {
        // New on the screen: pinned at its grid's centre until the next read knows its point.
        const centre =
          this.centres.get((change.grid ?? '').slice(0, 15)) ?? this.centres.get(change.community ?? '') ?? null;
        const index = pins.id.push(change.id) - 1;
        pins.lon.push(centre ? centre[0] : null);
        pins.lat.push(centre ? centre[1] : null);
        pins.light.push(0);
        pins.category.push(categoryIndex(pins, change.category));
        pins.state.push(stateIndex(pins, change.state));
        this.index.set(change.id, index);
        total += 1;
        if (change.version === 1) today.intake += 1;
        bump(states, change.state, 1);
        bumpCategory(change.category, 1);
        bumpGrid(change.grid, 1);
        lights.none += 1;
        fresh.add(change.id);
        events.push({ kind: 'add', index });
        if (change.severity === 'critical') {
          const grid = grids.get((change.grid ?? '').slice(0, 15));
          const code = change.grid ?? change.community ?? '';
          ticker.unshift({
            id: change.id,
            category: change.category,
            category_name: current.category_names[change.category] ?? { zh: change.category, en: change.category },
            severity: 'critical',
            state: change.state as TickerItem['state'],
            source: null,
            place: grid?.name ?? { zh: code, en: code },
            light: null,
            created_at: change.updated_at,
          });
        }
      }
    }
    this.overview.value = {
      ...current,
      open: {
        ...current.open,
        total,
        by_state: [...states]
          .filter(([, count]) => count > 0)
          .map(([state, count]) => ({ state: state as Overview['open']['by_state'][number]['state'], count })),
        by_category: [...categories.values()].filter((row) => row.count > 0).sort((a, b) => b.count - a.count),
        by_light: lights,
      },
      today,
      grids: [...grids.values()].filter((grid) => grid.open > 0),
    };
    this.fresh.value = fresh;
    if (ticker.length > 0) this.tickerLive.value = [...ticker, ...this.tickerLive.value].slice(0, 20);
    this.updatedAt.value = new Date().toISOString();
    for (const event of events) for (const listener of this.pinListeners) listener(event);
    this.settle();
  }
}

function stateIndex(pins: Pins, state: string): number {
  const at = pins.states.indexOf(state as Pins['states'][number]);
  if (at !== -1) return at;
  return pins.states.push(state as Pins['states'][number]) - 1;
}

function categoryIndex(pins: Pins, category: string): number {
  const at = pins.categories.indexOf(category);
  return at !== -1 ? at : pins.categories.push(category) - 1;
}
