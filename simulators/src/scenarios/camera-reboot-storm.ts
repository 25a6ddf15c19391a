import type { OnvifCameraFarm } from '../onvif/index.js';
import type { Scenario } from './scenario.js';

const CAMERAS = ['cam-gate-01', 'cam-gate-02', 'cam-b1-01', 'cam-b2-01', 'cam-b3-01'];

/** Waits (real time: cameras and the gateway's adapter talk on real timers) until `done`, or fails saying what. */
async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`camera-reboot-storm: ${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const allSubscribed = (farm: OnvifCameraFarm) => () =>
  farm.cameras.every((camera) => camera.subscriptions().length > 0);

export const cameraRebootStorm: Scenario = {
  name: 'camera-reboot-storm',
  title: { zh: '摄像机集体重启', en: 'Camera reboot storm' },
  story:
    'The PoE switch feeding the gate and entrance cameras restarts: five ONVIF cameras reboot within a second, three of them losing their event subscriptions silently, one refusing renewals, one allowing a single subscription. The gateway finds them again (Hello, refused renewals) and subscribes anew; a reboot raises no alert and opens no incident. Right after, someone turns cam-gate-01 away: its tamper still gets through, as one maintenance ticket.',
  devices: CAMERAS,
  cameras: [
    { id: 'cam-gate-01', quirks: { loseSubscriptionsOnReboot: true } },
    { id: 'cam-gate-02', quirks: { loseSubscriptionsOnReboot: true, renewRejected: true } },
    { id: 'cam-b1-01', quirks: { loseSubscriptionsOnReboot: true, singleSubscription: true } },
    { id: 'cam-b2-01' },
    { id: 'cam-b3-01', quirks: { nonStandardTime: true } },
  ],
  startsAt: '2026-11-25T14:30:00.000Z',
  durationS: 30,
  needs: ['onvif_cameras'],
  expects: {
    alerts: [{ rule: 'builtin.maintenance.camera_tamper', device: 'cam-gate-01' }],
    incidents: [{ category: 'device_maintenance.tamper', device: 'cam-gate-01', urgent: false, alerts: 1 }],
  },
  async run({ cameras, say }) {
    if (!cameras) throw new Error('camera-reboot-storm needs its ONVIF cameras');
    await until(allSubscribed(cameras), 'every camera subscribed to by the gateway');
    say('the PoE switch restarts: every camera reboots');
    await Promise.all(cameras.cameras.map((camera, n) => camera.reboot(1000 + n * 250)));
    await until(allSubscribed(cameras), 'every camera subscribed to again after the reboot');
    say('cam-b2-01: a passer-by (motion, not an alert)');
    cameras.get('cam-b2-01').setMotion(true);
    cameras.get('cam-b2-01').setMotion(false);
    say('cam-gate-01: someone turns the camera away');
    cameras.get('cam-gate-01').setTamper(true);
  },
};
