import { describe, expect, it } from 'vitest';
import { chinaDate, chinaDay, planDay } from './day.js';
import type { PatrolRoute } from './plans.js';
import type { PatrolCheckin, PatrolSession } from './sessions.js';

const route: PatrolRoute = {
  id: 'r1',
  grid_code: '320803001001001',
  name: '一线',
  rounds_per_day: 2,
  windows: [
    { from: '08:00', to: '12:00' },
    { from: '14:00', to: '18:00' },
  ],
  checkpoints: [
    { id: 'c1', seq: 1, name: 'a', kind: 'point', lon: 119.141, lat: 33.501, radius_m: 30, tag_code: null },
    { id: 'c2', seq: 2, name: 'b', kind: 'tag', lon: null, lat: null, radius_m: null, tag_code: 'TAG-1' },
  ],
  created_by: 'u',
  created_at: '2026-11-01T00:00:00.000Z',
  updated_at: '2026-11-01T00:00:00.000Z',
};
const session = (id: string, startedAt: string, ended: boolean): PatrolSession => ({
  id,
  worker_id: 'w',
  route_id: 'r1',
  grid_code: route.grid_code,
  started_at: startedAt,
  ended_at: ended ? startedAt : null,
  running: !ended,
  clock_offset_ms: null,
});
const checkin = (sessionId: string, checkpoint: string, flags: PatrolCheckin['flags'] = []): PatrolCheckin => ({
  id: `${sessionId}-${checkpoint}`,
  session_id: sessionId,
  request_id: checkpoint,
  checkpoint_id: checkpoint,
  checkpoint_name: checkpoint,
  method: 'tag',
  at: '2026-11-25T01:00:00.000Z',
  lon: null,
  lat: null,
  accuracy_m: null,
  distance_m: null,
  flags,
  photo_ids: [],
});

describe('the worker’s day', () => {
  it('takes China time for the date', () => {
    expect(chinaDate(new Date('2026-11-24T16:30:00Z'))).toBe('2026-11-25');
    expect(chinaDay('2026-11-25').from.toISOString()).toBe('2026-11-24T16:00:00.000Z');
  });

  it('fills each window’s round with the patrol started in it; a flagged check-in does not count', () => {
    const base = { date: '2026-11-25', workerId: 'w', grids: [route.grid_code], routes: [route], tasks: [] };
    const morning = session('1', '2026-11-25T01:00:00.000Z', true);
    const afternoon = session('2', '2026-11-25T06:30:00.000Z', false);
    const day = planDay({
      ...base,
      now: new Date('2026-11-25T07:00:00Z'),
      sessions: [morning, afternoon],
      checkins: [checkin('1', 'c1'), checkin('1', 'c2'), checkin('2', 'c1', ['outside_grid'])],
    });
    expect(day.routes[0]?.rounds.map((r) => [r.state, r.checkpoints_reached, r.checkins_flagged])).toEqual([
      ['done', 2, 0],
      ['in_progress', 0, 1],
    ]);
    expect(day.left).toEqual({ rounds: 1, tasks: 0 });
    const evening = planDay({
      ...base,
      now: new Date('2026-11-25T11:00:00Z'),
      sessions: [morning],
      checkins: [checkin('1', 'c1')],
    });
    expect(evening.routes[0]?.rounds.map((r) => r.state)).toEqual(['missed', 'missed']);
    expect(evening.routes[0]?.rounds[1]?.due_at).toBe('2026-11-25T10:00:00.000Z');
  });
});
