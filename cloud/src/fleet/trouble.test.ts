import { describe, expect, it } from 'vitest';
import { byTrouble, DEFAULT_THRESHOLDS, type GatewayVitals, troublesOf } from './trouble.js';

const thresholds = { ...DEFAULT_THRESHOLDS, silentMinutes: 30 };
const healthy: GatewayVitals = {
  silentForMinutes: 1,
  outbox: { alarm: 0, state: 0, telemetry: 10 },
  devices: { online: 100, total: 100 },
  cameras: { configured: 4, online: 4, subscribed: 4 },
  tokenAgeDays: 10,
};

describe('the fleet’s trouble order', () => {
  it('puts silent before link down, outbox backlog, devices offline, cameras unsubscribed and an old token', () => {
    const gateways = {
      fine: healthy,
      token: { ...healthy, tokenAgeDays: 200 },
      cameras: { ...healthy, cameras: { configured: 4, online: 4, subscribed: 1 } },
      devices: { ...healthy, devices: { online: 50, total: 100 }, tokenAgeDays: 400 },
      fewDevices: { ...healthy, devices: { online: 85, total: 100 } },
      outbox: { ...healthy, outbox: { alarm: 0, state: 0, telemetry: 5000 } },
      alarmWaiting: { ...healthy, outbox: { alarm: 1, state: 0, telemetry: 0 } },
      down: { ...healthy, silentForMinutes: 12 },
      silent: { ...healthy, silentForMinutes: 45 },
      never: { ...healthy, silentForMinutes: null },
    };
    const sorted = Object.entries(gateways)
      .map(([gateway_id, vitals]) => ({ gateway_id, troubles: troublesOf(vitals, thresholds) }))
      .sort(byTrouble)
      .map((g) => [g.gateway_id, g.troubles.map((t) => t.trouble)]);
    expect(sorted).toEqual([
      ['never', ['silent']],
      ['silent', ['silent']],
      ['down', ['link_down']],
      ['alarmWaiting', ['outbox_backlog']],
      ['outbox', ['outbox_backlog']],
      ['devices', ['devices_offline', 'token_old']],
      ['fewDevices', ['devices_offline']],
      ['cameras', ['cameras_unsubscribed']],
      ['token', ['token_old']],
      ['fine', []],
    ]);
  });
});
