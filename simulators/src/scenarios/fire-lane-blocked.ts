import type { Scenario } from './scenario.js';

const CAMERA = 'cam-lane-01';
const MINUTE = 60_000;

export const fireLaneBlocked: Scenario = {
  name: 'fire-lane-blocked',
  title: { zh: '消防通道被占用', en: 'Fire lane blocked' },
  story:
    'At 20:00 a car parks in fire lane 1. The camera’s analytics reports it occupied after its 10-min dwell time; the gateway alerts the property and re-announces every 5 min, and the cloud holds that alert (no incident for a first occupancy). After 30 min the long-occupation alert follows and opens one incident for the lane. The car leaves after 36 min.',
  devices: [CAMERA, 'cam-lane-02'],
  startsAt: '2026-11-25T12:10:00.000Z',
  durationS: 36 * 60,
  expects: {
    alerts: [
      { rule: 'builtin.fire_lane.occupied', device: CAMERA },
      { rule: 'builtin.fire_lane.occupied_long', device: CAMERA },
    ],
    // The occupancy alert goes to the property only (the cloud holds it: an incident at the 3rd in a
    // day); the major 30-min alert opens the incident at once.
    incidents: [{ category: 'safety.fire_lane', device: CAMERA, urgent: false, alerts: 1 }],
  },
  async run({ device, wait, say }) {
    const camera = device(CAMERA);
    say(`${CAMERA}: a car stands in the lane`);
    await camera.set({ occupied: true, vehicles: 1 });
    await camera.emit('occupied', { zone: 'fire-lane-1', plate: '苏H12345', confidence: 0.91 });
    // Cameras report every 2 min (their heartbeat); 18 reports = 36 min.
    for (let n = 1; n <= 18; n++) {
      await wait(2 * MINUTE);
      await camera.report();
      await device('cam-lane-02').report();
    }
    say(`${CAMERA}: the car leaves`);
    await camera.set({ occupied: false, vehicles: 0 });
    await camera.emit('cleared', { zone: 'fire-lane-1', duration_s: 46 * 60 });
  },
};
