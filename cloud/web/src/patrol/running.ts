import { computed, ref, shallowRef, watch } from 'vue';
import { call, Problem } from '../api.js';
import { isNetworkFailure } from '../errors.js';
import { randomId } from '../ids.js';
import type { OutboxItem } from '../pwa/outbox/item.js';
import type { NewRequest } from '../pwa/outbox/outbox.js';
import { myOutbox, queue, sendOutbox } from '../pwa/outbox/phone-outbox.js';
import { pathResultOf, resultOf, sentAtPlaceholder } from '../pwa/outbox/placeholders.js';
import { signedIn } from '../state.js';
import type { Checkin, Fix, Route, Settings, Started } from './model.js';
import { both } from './texts.js';

/** A check-in taken on this phone, kept until the patrol ends (the server's answer is the outbox's). */
export interface LocalCheckin {
  request_id: string;
  checkpoint_id: string;
  name: string;
  at: string;
  method: 'position' | 'tag';
}

/**
 * The patrol running on this phone, kept in localStorage so a reload (or a phone that killed the
 * page) picks it up again: what the page needs to go on recording without signal. Positions
 * themselves wait in the outbox; `track` is only what the map draws and goes with the patrol.
 */
export interface RunningPatrol {
  owner: string;
  /** The start's request id: the subject that keeps the patrol's requests in order. */
  start_request: string;
  /** Known once the server answered the start (at once online, later when it was started offline). */
  session_id: string | null;
  route: Route;
  started_at: string;
  interval_s: number;
  gap_after_s: number;
  track: Fix[];
  /** Positions taken and not yet handed to the outbox (they go as one batch). */
  buffer: Fix[];
  recorded: number;
  checkins: LocalCheckin[];
}

/** The last position the phone gave (kept or not), and why there is none. */
export const lastFix = ref<Fix>();
export const geoError = ref<string>();

const KEY = 'gridlink.patrol.running';
/** The map draws at most this many of the phone's own positions (a day at 10 s is ~3,000). */
const TRACK_MAX = 5_000;
/** A batch holds about this much time of positions: one request per half minute, not per fix. */
const BATCH_SECONDS = 30;

const keyOf = (owner: string) => `${KEY}.${owner}`;

function load(owner: string | undefined): RunningPatrol | undefined {
  if (!owner) return undefined;
  try {
    const text = localStorage.getItem(keyOf(owner));
    return text ? (JSON.parse(text) as RunningPatrol) : undefined;
  } catch {
    return undefined;
  }
}

/** The signed-in worker's running patrol on this phone, if any. */
export const runningPatrol = shallowRef<RunningPatrol | undefined>(load(signedIn.value?.user.id));
watch(
  () => signedIn.value?.user.id,
  (owner) => {
    runningPatrol.value = load(owner);
  },
);

function save(patrol: RunningPatrol | undefined, owner = signedIn.value?.user.id): void {
  runningPatrol.value = patrol;
  if (!owner) return;
  if (patrol) localStorage.setItem(keyOf(owner), JSON.stringify(patrol));
  else localStorage.removeItem(keyOf(owner));
}

function update(change: (patrol: RunningPatrol) => Partial<RunningPatrol>): RunningPatrol | undefined {
  const patrol = runningPatrol.value;
  if (!patrol) return undefined;
  const next = { ...patrol, ...change(patrol) };
  save(next);
  return next;
}

const subjectOf = (patrol: RunningPatrol) => `patrol:${patrol.start_request}`;
const sessionPath = (patrol: RunningPatrol) =>
  `/patrol/sessions/${patrol.session_id === null ? pathResultOf(patrol.start_request, '/session/id') : encodeURIComponent(patrol.session_id)}`;

/** The outbox items of the running patrol, by request id. */
export const patrolItems = computed(() => {
  const patrol = runningPatrol.value;
  const items = new Map<string, OutboxItem>();
  if (!patrol) return items;
  for (const item of myOutbox.value) if (item.subject === subjectOf(patrol)) items.set(item.id, item);
  return items;
});

// The session's id arrives with the answer to a start sent from the outbox: later requests name it.
watch(patrolItems, (items) => {
  const patrol = runningPatrol.value;
  if (!patrol || patrol.session_id !== null) return;
  const start = items.get(patrol.start_request);
  const answer = start?.state === 'sent' ? (start.result as Started | undefined) : undefined;
  if (answer?.session.id) update(() => ({ session_id: answer.session.id }));
});

/** Positions handed to the outbox and not sent yet. */
export const positionsWaiting = computed(() => {
  let n = 0;
  for (const item of patrolItems.value.values())
    if (item.kind === 'patrol.positions' && item.state !== 'sent') {
      const body = 'json' in item.body ? (item.body.json as { positions?: unknown[] }) : undefined;
      n += body?.positions?.length ?? 0;
    }
  return n + (runningPatrol.value?.buffer.length ?? 0);
});

/** What became of a check-in: waiting, stored (with the server's flags), or refused with its words. */
export function checkinOutcome(
  requestId: string,
): { state: 'waiting' } | { state: 'stored'; checkin: Checkin } | { state: 'refused'; reason: string } {
  const item = patrolItems.value.get(requestId);
  if (!item || item.state === 'pending' || item.state === 'sending') return { state: 'waiting' };
  if (item.state === 'sent') {
    const answer = item.result as { checkin?: Checkin } | undefined;
    return answer?.checkin ? { state: 'stored', checkin: answer.checkin } : { state: 'waiting' };
  }
  return { state: 'refused', reason: item.problem?.text ?? '' };
}

/**
 * Starts a patrol of the route: online the server answers at once; without signal the start waits
 * in the outbox and the patrol runs on the phone meanwhile (its requests name the session through
 * the start's answer). Returns whether it started offline. A refusal is thrown as the server said it.
 */
export async function startPatrol(route: Route, settings: Settings): Promise<{ offline: boolean }> {
  const owner = signedIn.value?.user.id;
  if (!owner) throw new Error('nobody is signed in');
  const request_id = randomId('patrol');
  const started_at = new Date().toISOString();
  const patrol: RunningPatrol = {
    owner,
    start_request: request_id,
    session_id: null,
    route,
    started_at,
    interval_s: settings.position_interval_s,
    gap_after_s: settings.position_interval_s * settings.gap_intervals,
    track: [],
    buffer: [],
    recorded: 0,
    checkins: [],
  };
  const body = { request_id, route_id: route.id, started_at };
  try {
    const answer = await call<Started>('POST', '/patrol/sessions', body);
    save({ ...patrol, session_id: answer.session.id, started_at: answer.session.started_at, route: answer.route });
    return { offline: false };
  } catch (err) {
    if (err instanceof Problem || !isNetworkFailure(err)) throw err;
  }
  save(patrol);
  await queue([
    {
      id: request_id,
      kind: 'patrol.start',
      subject: subjectOf(patrol),
      label: both('startLabel', { route: route.name }),
      method: 'POST',
      path: '/patrol/sessions',
      body: { json: body },
    },
  ]);
  return { offline: true };
}

/** Takes over a patrol the server says runs (started on this phone before its storage was cleared). */
export function adoptPatrol(started: Started, settings: Settings): void {
  const owner = signedIn.value?.user.id;
  if (!owner) return;
  save({
    owner,
    start_request: `adopted-${started.session.id}`,
    session_id: started.session.id,
    route: started.route,
    started_at: started.session.started_at,
    interval_s: settings.position_interval_s,
    gap_after_s: settings.position_interval_s * settings.gap_intervals,
    track: [],
    buffer: [],
    recorded: 0,
    checkins: [],
  });
}

/**
 * A position from the phone: kept when at least an interval passed since the last one kept (the
 * phone may report more often), drawn, and batched.
 */
export async function recordFix(fix: Fix): Promise<void> {
  const patrol = runningPatrol.value;
  if (!patrol) return;
  const last = patrol.buffer.at(-1) ?? patrol.track.at(-1);
  // A little early still counts: phones do not keep time to the millisecond.
  if (last && Date.parse(fix.at) - Date.parse(last.at) < patrol.interval_s * 900) return;
  const next = update((p) => ({
    track: [...p.track, fix].slice(-TRACK_MAX),
    buffer: [...p.buffer, fix],
    recorded: p.recorded + 1,
  }));
  const first = next?.buffer[0];
  if (next && first && Date.parse(fix.at) - Date.parse(first.at) >= BATCH_SECONDS * 1000) await flushPositions();
}

let flushing: Promise<void> = Promise.resolve();

/**
 * Hands the positions taken so far to the outbox as one batch (every half minute, before a
 * check-in, at the end). One at a time: two at once would send the same positions twice.
 */
export function flushPositions(): Promise<void> {
  const run = flushing.then(flushNow, flushNow);
  flushing = run.catch(() => undefined);
  return run;
}

async function flushNow(): Promise<void> {
  const patrol = runningPatrol.value;
  if (!patrol || patrol.buffer.length === 0) return;
  const batch = randomId('batch');
  const positions = patrol.buffer;
  await queue([
    {
      id: batch,
      kind: 'patrol.positions',
      subject: subjectOf(patrol),
      label: both('positionsLabel', { n: positions.length }),
      method: 'POST',
      path: `${sessionPath(patrol)}/positions`,
      body: { json: { batch_id: batch, sent_at: sentAtPlaceholder(), positions } },
    },
  ]);
  // Only once the outbox holds them: a full phone keeps them here for the next try.
  update((p) => ({ buffer: p.buffer.slice(positions.length) }));
  void sendOutbox(false);
}

/** The server's refusal of a patrol started offline (another one ran meanwhile): its words. */
export const startRefusal = computed(() => {
  const patrol = runningPatrol.value;
  const start = patrol ? patrolItems.value.get(patrol.start_request) : undefined;
  return start?.state === 'refused' || start?.state === 'conflict' ? (start.problem?.text ?? '') : undefined;
});

/**
 * Checks in at a checkpoint, by position or by tag, with an optional photo uploaded first: the
 * check-in names the photo through the upload's answer, so both can wait offline in order.
 */
export async function checkIn(input: {
  checkpoint: { id: string; name: string };
  tag_code?: string;
  fix: Fix | undefined;
  photo?: File;
}): Promise<LocalCheckin> {
  const patrol = runningPatrol.value;
  if (!patrol) throw new Error('no patrol runs');
  await flushPositions();
  const request_id = randomId('checkin');
  const at = new Date().toISOString();
  const requests: NewRequest[] = [];
  const photoIds = [];
  if (input.photo) {
    const photo = randomId('photo');
    requests.push({
      id: photo,
      kind: 'patrol.photo',
      subject: subjectOf(patrol),
      label: both('photoLabel', { name: input.checkpoint.name }),
      method: 'POST',
      path: `/patrol/photos?grid=${encodeURIComponent(patrol.route.grid_code)}`,
      body: { blob: input.photo, contentType: input.photo.type || 'image/jpeg' },
    });
    photoIds.push(resultOf(photo, '/id'));
  }
  const where = input.fix
    ? { lon: input.fix.lon, lat: input.fix.lat, accuracy_m: Math.max(input.fix.accuracy_m, 0.1) }
    : {};
  requests.push({
    id: request_id,
    kind: 'patrol.checkin',
    subject: subjectOf(patrol),
    label: both('checkinLabel', { name: input.checkpoint.name }),
    method: 'POST',
    path: `${sessionPath(patrol)}/checkins`,
    body: {
      json: {
        request_id,
        ...(input.tag_code === undefined ? { checkpoint_id: input.checkpoint.id } : { tag_code: input.tag_code }),
        at,
        sent_at: sentAtPlaceholder(),
        ...where,
        photo_ids: photoIds,
      },
    },
  });
  await queue(requests);
  const local: LocalCheckin = {
    request_id,
    checkpoint_id: input.checkpoint.id,
    name: input.checkpoint.name,
    at,
    method: input.tag_code === undefined ? 'position' : 'tag',
  };
  update((p) => ({ checkins: [...p.checkins, local] }));
  void sendOutbox(false);
  return local;
}

/** Ends the patrol: the last positions and the end go to the outbox, and recording stops here. */
export async function endPatrol(): Promise<void> {
  const patrol = runningPatrol.value;
  if (!patrol) return;
  // Started offline and refused (or given up in the outbox): there is no patrol on the server to end.
  if (
    patrol.session_id === null &&
    (startRefusal.value !== undefined || !patrolItems.value.has(patrol.start_request))
  ) {
    save(undefined);
    return;
  }
  await flushPositions();
  await queue([
    {
      id: randomId('end'),
      kind: 'patrol.end',
      subject: subjectOf(patrol),
      label: both('endLabel', { route: patrol.route.name }),
      method: 'POST',
      path: `${sessionPath(patrol)}/end`,
      body: { json: { ended_at: new Date().toISOString() } },
    },
  ]);
  save(undefined);
  void sendOutbox(false);
}
