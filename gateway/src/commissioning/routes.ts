import { DrillStatus } from '@gridlink/protocol';
import { BadRequest, ConsoleProblem, type ConsoleRoute, json, readJson } from '../console/http-kit.js';
import type { CameraHealth } from '../onvif/camera-session.js';
import type { DeviceRegistry } from '../registry/index.js';
import type { UplinkModule } from '../uplink/uplink-module.js';
import {
  type CamerasCheck,
  type CloudCheck,
  camerasCheck,
  cloudCheck,
  type DevicesCheck,
  devicesCheck,
} from './checks.js';
import type { DrillRun, DrillWatch } from './drill.js';
import { canDrill, testAlarmFor } from './test-alarm.js';

/** The commissioning page's view: each check, the drill, the devices a drill can use. */
export interface CommissioningView {
  gateway_id: string;
  community: string;
  /** The district (区) the community belongs to: its code's first six digits. */
  district: string;
  at: string;
  devices: DevicesCheck;
  cameras: CamerasCheck;
  cloud: CloudCheck;
  drill: DrillRun | null;
  /** Active devices with a test alarm (an urgent event), for the drill's device choice. */
  drillable: Array<{ id: string; kind: string; building?: string; unit?: string; floor?: number; room?: string }>;
}

/** A commissioning check as it was recorded: the view at that moment, the drill's hops included. */
export interface CommissioningReport extends Omit<CommissioningView, 'drillable'> {
  passed: boolean;
  notes?: string;
}

export interface CommissioningRoutesOptions {
  gatewayId: string;
  community: string;
  registry: DeviceRegistry;
  drills: DrillWatch;
  uplink: () => UplinkModule | undefined;
  cameras: () => CameraHealth[];
  /** Sends a device's event through the normal path (the normaliser's ingest), as if the device had. */
  send: (deviceId: string, event: string, payload: Record<string, unknown>) => Promise<boolean>;
  now: () => number;
}

/**
 * The commissioning check's routes: the checks, the drill (start, its hops, finish), and the
 * records. Reading is for every session; running a drill and recording are the installer's.
 */
export function commissioningRoutes(options: CommissioningRoutesOptions): ConsoleRoute[] {
  const { registry, drills, now } = options;
  let asking: Promise<void> | undefined;

  /** Ends an ended drill's incident in the cloud; asked again on each look until the cloud has done it. */
  const endInCloud = async (uplink: UplinkModule, alertId: string) => {
    try {
      const { status } = await uplink.endDrill(alertId);
      if (status === 200) drills.cloudEnded(now());
    } catch {
      drills.cloudState('unreachable');
    }
  };

  /** Asks the cloud how far the drill got, once at a time; the page polls, so no timer is needed. */
  const askCloud = async () => {
    const run = drills.current();
    const uplink = options.uplink();
    if (!run?.alert_id) return;
    if (!uplink) return drills.cloudState('disabled');
    if (run.state !== 'running' && run.incident_id !== null && run.cloud_ended_at === null) {
      return endInCloud(uplink, run.alert_id);
    }
    if (!run.hops.some((hop) => hop.hop === 'cloud')) {
      // Not delivered yet: the cloud is asked nothing, but the page must say why the hops stop here.
      const link = uplink.stats().sender.link;
      drills.cloudState(
        link === 'online' || link === 'connecting' ? 'pending' : link === 'unauthorized' ? 'refused' : 'unreachable',
      );
      return;
    }
    if (run.hops.some((hop) => hop.hop === 'visible')) return;
    try {
      const { status, body } = await uplink.drillStatus(run.alert_id);
      if (status === 200) {
        const parsed = DrillStatus.safeParse(body);
        if (parsed.success) drills.cloudSaid(parsed.data);
      } else if (status === 404) drills.cloudState('pending');
      else drills.cloudState(status === 401 || status === 403 ? 'refused' : 'unreachable');
    } catch {
      drills.cloudState('unreachable');
    }
  };
  const refreshed = async (): Promise<DrillRun | null> => {
    asking ??= askCloud().finally(() => {
      asking = undefined;
    });
    await asking;
    return drills.current();
  };

  const view = async (): Promise<CommissioningView> => {
    const [cloud, drill] = await Promise.all([cloudCheck(options.uplink(), now), refreshed()]);
    return {
      gateway_id: options.gatewayId,
      community: options.community,
      district: options.community.slice(0, 6),
      at: new Date(now()).toISOString(),
      devices: devicesCheck(registry),
      cameras: camerasCheck(options.cameras()),
      cloud,
      drill,
      drillable: registry
        .list()
        .filter((device) => device.status === 'active' && canDrill(device.kind))
        .map((device) => ({
          id: device.id,
          kind: device.kind,
          ...(device.place?.building ? { building: device.place.building } : {}),
          ...(device.place?.unit ? { unit: device.place.unit } : {}),
          ...(device.place?.floor !== undefined ? { floor: device.place.floor } : {}),
          ...(device.place?.room ? { room: device.place.room } : {}),
        })),
    };
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/commissioning$/,
      change: false,
      handle: async ({ res }) => json(res, 200, await view()),
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/commissioning\/drill$/,
      change: false,
      handle: async ({ res }) => json(res, 200, { drill: await refreshed() }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/commissioning\/drill$/,
      change: true,
      handle: async ({ req, res, session, audit }) => {
        const body = await readJson(req);
        const deviceId = typeof body.device_id === 'string' ? body.device_id : '';
        const mode = body.mode === 'press' ? 'press' : body.mode === 'trigger' ? 'trigger' : undefined;
        if (!deviceId || !mode) throw new BadRequest('send {"device_id": …, "mode": "trigger" | "press"}');
        const device = registry.get(deviceId);
        if (device?.status !== 'active') throw new ConsoleProblem(404, 'GL_NOT_FOUND', `no active device ${deviceId}`);
        const alarm = testAlarmFor(device.kind, new Date(now()).toISOString());
        if (!alarm) {
          throw new BadRequest(
            `a ${device.kind} has no urgent event to test with: choose a smoke or gas detector, an emergency button…`,
          );
        }
        if (drills.current()?.state === 'running') {
          throw new ConsoleProblem(409, 'GL_DRILL_RUNNING', 'a drill is running: finish it first');
        }
        const run = drills.start(deviceId, mode, session.username);
        audit('commissioning.drill', deviceId, mode);
        if (mode === 'trigger' && !(await options.send(deviceId, alarm.event, alarm.payload))) {
          drills.finish();
          throw new ConsoleProblem(503, 'GL_DRILL_NOT_SENT', 'the test alarm could not be stored: see the gateway log');
        }
        json(res, 201, { drill: run });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/commissioning\/drill\/finish$/,
      change: true,
      handle: async ({ res, audit }) => {
        const run = drills.current();
        if (!run) throw new ConsoleProblem(404, 'GL_NOT_FOUND', 'no drill to finish');
        // The alarm is cleared the way the device would clear it, while its events are still the drill's.
        const device = registry.get(run.device_id);
        const alarm = device ? testAlarmFor(device.kind, new Date(now()).toISOString()) : undefined;
        if (run.state === 'running' && alarm?.clear)
          await options.send(run.device_id, alarm.clear.event, alarm.clear.payload);
        drills.finish();
        audit('commissioning.drill_finish', run.device_id);
        json(res, 200, { drill: await refreshed() });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/console\/commissioning\/records$/,
      change: false,
      handle: ({ res }) => json(res, 200, { records: registry.commissioningRecords() }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/commissioning\/records$/,
      change: true,
      handle: async ({ req, res, session, audit }) => {
        const body = await readJson(req);
        const notes = typeof body.notes === 'string' && body.notes.trim() ? body.notes.trim().slice(0, 500) : undefined;
        const { drillable: _choices, ...checks } = await view();
        const drillPassed = checks.drill?.hops.some((hop) => hop.hop === 'visible') ?? false;
        const passed = checks.devices.passed && checks.cameras.passed && checks.cloud.passed && drillPassed;
        const report: CommissioningReport = { ...checks, passed, ...(notes ? { notes } : {}) };
        const record = registry.recordCommissioning({ username: session.username, passed, report });
        audit('commissioning.record', String(record.id), passed ? 'passed' : 'failed');
        json(res, 201, { record });
      },
    },
  ];
}
