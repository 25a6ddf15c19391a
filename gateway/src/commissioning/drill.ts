import type { DrillStatus } from '@gridlink/protocol';
import type { GatewayBus, GatewayEvents, NormalisedMessage } from '../bus.js';
import type { OutboxEvent } from '../uplink/outbox.js';
import type { DrillMarks } from '../uplink/uplink-module.js';
import { isUrgent } from './test-alarm.js';

/**
 * Each hop a drill's test alarm takes, in order: the gateway sees the first four itself, the cloud
 * answers for the last three. `visible` is the app's live notice to the grid worker it went to.
 */
export const DRILL_HOPS = ['broker', 'rule', 'outbox', 'cloud', 'incident', 'dispatched', 'visible'] as const;
export type DrillHopName = (typeof DRILL_HOPS)[number];

export interface DrillHop {
  hop: DrillHopName;
  at: string;
  /** What identifies the hop, not prose: the event type, rule and alert ids, the incident id, a masked name. */
  detail?: string;
}

export interface DrillRun {
  id: string;
  device_id: string;
  /** `trigger`: the gateway sent the test alarm; `press`: the installer sets it off on the device. */
  mode: 'trigger' | 'press';
  by: string;
  started_at: string;
  /** Until when the device's alarms count as the drill's. */
  until: string;
  state: 'running' | 'finished' | 'expired';
  alert_id: string | null;
  incident_id: string | null;
  /** What the cloud said last: `pending` until it is asked, `unreachable` when it could not be. */
  cloud: 'pending' | 'ok' | 'unreachable' | 'refused' | 'disabled';
  hops: DrillHop[];
  /** When the cloud archived the drill incident after the drill ended (null: not yet). */
  cloud_ended_at: string | null;
}

/** How long a device's alarms count as a drill's when nobody ends it: long enough to walk to a detector. */
export const DRILL_WINDOW_MS = 10 * 60_000;

/**
 * The one drill of the gateway at a time: it marks the drilled device's events `drill` (through the
 * uplink), and records each hop its test alarm takes with the time the gateway saw it.
 */
export class DrillWatch implements DrillMarks {
  private run: DrillRun | null = null;

  constructor(private readonly now: () => number) {}

  current(): DrillRun | null {
    const run = this.run;
    if (run?.state === 'running' && this.now() >= Date.parse(run.until)) run.state = 'expired';
    return run;
  }

  start(deviceId: string, mode: DrillRun['mode'], by: string): DrillRun {
    const now = this.now();
    this.run = {
      id: `drill-${now}`,
      device_id: deviceId,
      mode,
      by,
      started_at: new Date(now).toISOString(),
      until: new Date(now + DRILL_WINDOW_MS).toISOString(),
      state: 'running',
      alert_id: null,
      incident_id: null,
      cloud: 'pending',
      hops: [],
      cloud_ended_at: null,
    };
    return this.run;
  }

  finish(): DrillRun | null {
    const run = this.current();
    if (run?.state === 'running') run.state = 'finished';
    return run;
  }

  /** Listens for the drill's hops on the bus; returns the function that stops listening. */
  attach(bus: GatewayBus): () => void {
    const onMessage = ({ device, message, receivedAt }: NormalisedMessage) => {
      if (message.type !== 'event' || !this.isDrill(device.id) || !isUrgent(device.kind, message.eventType)) return;
      this.hop('broker', receivedAt, message.eventType);
    };
    const onAlert = ({ transition }: GatewayEvents['alert'][0]) => {
      const run = this.current();
      if (transition.type !== 'raised' || !run || !this.isDrill(transition.alert.device_id)) return;
      if (run.alert_id !== null) return;
      run.alert_id = transition.alert.alert_id;
      this.hop('rule', this.now(), `${transition.alert.rule_id} · ${transition.alert.alert_id}`);
    };
    bus.on('message', onMessage).on('alert', onAlert);
    return () => {
      bus.off('message', onMessage).off('alert', onAlert);
    };
  }

  isDrill(deviceId: string): boolean {
    const run = this.current();
    return run?.state === 'running' && run.device_id === deviceId;
  }

  stored(event: OutboxEvent): void {
    const run = this.run;
    if (event.drill && run?.alert_id && event.id === `${run.alert_id}.raised`) this.hop('outbox', this.now(), event.id);
  }

  delivered(ids: readonly string[]): void {
    const run = this.run;
    if (run?.alert_id && ids.includes(`${run.alert_id}.raised`))
      this.hop('cloud', this.now(), `${run.alert_id}.raised`);
  }

  /** The cloud's answer about the drill incident: its hops, with the cloud's times. */
  cloudSaid(status: DrillStatus): void {
    const run = this.run;
    if (!run) return;
    run.cloud = 'ok';
    run.incident_id = status.incident_id;
    this.hop('incident', Date.parse(status.created_at), status.incident_id);
    if (status.dispatched) {
      const { at, assignee_name, reason } = status.dispatched;
      this.hop('dispatched', Date.parse(at), `${assignee_name} · ${reason}`);
    }
    if (status.notified_at) this.hop('visible', Date.parse(status.notified_at), status.dispatched?.assignee_name);
  }

  /** The cloud archived the drill's incident (`at`: the gateway's time of its answer). */
  cloudEnded(at: number): void {
    if (this.run) this.run.cloud_ended_at = new Date(at).toISOString();
  }

  cloudState(state: DrillRun['cloud']): void {
    if (this.run) this.run.cloud = state;
  }

  /** Records a hop the first time it is seen; later sightings (a retried batch) keep the first time. */
  private hop(hop: DrillHopName, at: number, detail?: string): void {
    const run = this.run;
    if (!run || run.hops.some((existing) => existing.hop === hop)) return;
    run.hops.push({ hop, at: new Date(at).toISOString(), ...(detail === undefined ? {} : { detail }) });
    run.hops.sort((a, b) => DRILL_HOPS.indexOf(a.hop) - DRILL_HOPS.indexOf(b.hop));
  }
}
