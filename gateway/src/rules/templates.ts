import { DEVICE_KINDS, type DeviceKind, profileOf, type RuleInput, type Severity } from '@gridlink/protocol';
import { Document, isCollection, Scalar, visit } from 'yaml';
import type { z } from 'zod';

/**
 * Built-in rule templates: the default policy table of docs/domain.md §7 (device event → edge rule → cloud
 * action) as rule data. They are a starting point for installers (`gridlink-gateway rules
 * template`), not hidden behaviour: the gateway only runs what is in its rule files.
 *
 * Every threshold is a parameter. Each default names its source: "§7" is the policy table of docs/domain.md,
 * "brief" is the product brief for these templates where §7 gives no number, "practice" is
 * published practice (a standard or common vendor default), "ours" is a choice made here.
 */
export interface TemplateParams {
  /** Two smoke detectors of one unit alarming within this window are a confirmed fire (§7 "2 detectors"; 60 s: brief). */
  smokeCorrelationWindowS: number;
  /**
   * Gas alarm at or above this concentration, any duration (§7). 20 %LEL: brief; inside the
   * ≤ 25 %LEL first-stage alarm limit of GB/T 50493-2019 (practice).
   */
  gasLelPercent: number;
  /** The gas alert clears below this (ours: a 10-point deadband so a reading at the limit does not flap). */
  gasClearLelPercent: number;
  /** Manhole cover tilted more than this… (§7: 15°). */
  manholeTiltDeg: number;
  /** …for at least this long (§7: 3 s)… */
  manholeTiltForS: number;
  /** …clears only when back below this (brief: 5°, hysteresis). */
  manholeClearDeg: number;
  /**
   * Hydrant / sprinkler pressure below this is low. 140 kPa (practice): GB 50974-2014 asks for at
   * least 0.14 MPa at municipal hydrants; set it to the site's design static pressure.
   */
  hydrantLowKpa: number;
  /** Low for longer than this before alerting (§7: 30 min). */
  hydrantLowForS: number;
  /** Clears at or above this (ours: low + 20 kPa deadband, as alarm-management practice (EEMUA 191) advises). */
  hydrantClearKpa: number;
  /** A still-occupied fire lane is re-announced this often (§7: every 5 min). */
  fireLaneRepeatS: number;
  /** A vehicle present longer than this is incident-worthy (§7: > 30 min). */
  fireLaneLongS: number;
  /** This many occupations… (§7: ≥ 3 a day)… */
  fireLaneRepeatCount: number;
  /** …within this window (§7: a day, 24 h). */
  fireLaneRepeatWindowS: number;
  /** How long the elevator door is held open when an e-bike is detected (brief: 60 s). */
  ebikeHoldOpenS: number;
  /** No water use by an elderly resident living alone for this long (§7: 12 h). */
  elderlyNoWaterS: number;
  /** Front door of an elderly resident living alone never opened for this long (§7: 24–48 h; 48 h). */
  elderlyDoorS: number;
  /** Access-control door held open at least this long (§7: > 3 min). */
  doorHeldOpenS: number;
  /** After hours, local time (§7 "after hours"; 22:00–06:00: brief, the usual residential quiet hours). */
  afterHoursFrom: string;
  afterHoursTo: string;
  /** Battery below this is low (brief: 20 %; also the usual vendor and Home Assistant default). */
  lowBatteryPercent: number;
  /** Low for this long first (brief: 1 h), so a cold night's voltage dip does not raise. */
  lowBatteryForS: number;
  /** Clears at or above this (ours: after a battery change the level jumps well above it). */
  lowBatteryClearPercent: number;
}

export const DEFAULT_TEMPLATE_PARAMS: Readonly<TemplateParams> = {
  smokeCorrelationWindowS: 60,
  gasLelPercent: 20,
  gasClearLelPercent: 10,
  manholeTiltDeg: 15,
  manholeTiltForS: 3,
  manholeClearDeg: 5,
  hydrantLowKpa: 140,
  hydrantLowForS: 30 * 60,
  hydrantClearKpa: 160,
  fireLaneRepeatS: 5 * 60,
  fireLaneLongS: 30 * 60,
  fireLaneRepeatCount: 3,
  fireLaneRepeatWindowS: 24 * 3600,
  ebikeHoldOpenS: 60,
  elderlyNoWaterS: 12 * 3600,
  elderlyDoorS: 48 * 3600,
  doorHeldOpenS: 180,
  afterHoursFrom: '22:00',
  afterHoursTo: '06:00',
  lowBatteryPercent: 20,
  lowBatteryForS: 3600,
  lowBatteryClearPercent: 30,
};

/** Kinds whose profile has `event`; with `withoutFields`, only those where that event carries no fields. */
export function kindsWithEvent(event: string, withoutFields = false): DeviceKind[] {
  return DEVICE_KINDS.filter((kind) => {
    const spec = profileOf(kind).events[event];
    return spec !== undefined && (!withoutFields || Object.keys(spec.fields).length === 0);
  });
}

/** Kinds whose retained state has the numeric field `field`. */
export function kindsWithNumericState(field: string): DeviceKind[] {
  return DEVICE_KINDS.filter((kind) => {
    const schema = profileOf(kind).state[field] as z.ZodType | undefined;
    return schema !== undefined && schema.def.type === 'number';
  });
}

type Text = { zh: string; en: string };
const text = (zh: string, en: string): Text => ({ zh, en });

interface Template {
  id: string;
  name: Text;
  kinds: DeviceKind[];
  tags?: string[];
  condition: RuleInput['condition'];
  severity: Severity;
  category: string;
  message: Text;
  extra?: Partial<RuleInput>;
}

const rule = (t: Template): RuleInput => ({
  id: `builtin.${t.id}`,
  name: t.name,
  selector: { kinds: t.kinds, ...(t.tags ? { tags: t.tags } : {}) },
  condition: t.condition,
  severity: t.severity,
  category: t.category,
  message: t.message,
  ...t.extra,
});

/**
 * The default policy of docs/domain.md §7 as rules, ids prefixed `builtin.`. Cloud-side steps of §7
 * (incident filing, escalation when repeated or unacknowledged, review of evidence) are not edge
 * rules: the alerts carry severity and category, the cloud's policy does the rest.
 */
export function builtinRules(params: Partial<TemplateParams> = {}): RuleInput[] {
  const p: TemplateParams = { ...DEFAULT_TEMPLATE_PARAMS, ...params };
  return [
    // §7 smoke alarm: "detector alarm ≥ 60 s, or 2 detectors, or detector + camera flame".
    // A single detector raises at once and clears on its own `alarm_cleared`: an event condition
    // cannot wait 60 s for the alarm to persist, and for life safety raising early is the safe side.
    // No camera profile reports flames yet, so the third variant has no template.
    rule({
      id: 'smoke.alarm',
      name: text('烟感报警', 'Smoke alarm'),
      kinds: ['smoke_detector'],
      condition: { type: 'event', event: 'alarm', clear_event: 'alarm_cleared' },
      severity: 'critical',
      category: 'emergency.fire',
      message: text('{device_id} 烟雾报警', 'Smoke alarm at {device_id}'),
    }),
    rule({
      id: 'smoke.two_detectors',
      name: text('同单元两个烟感报警', 'Two smoke alarms in one unit'),
      kinds: ['smoke_detector'],
      condition: {
        type: 'correlation',
        of: [{ event: 'alarm' }],
        at_least: 2,
        within_s: p.smokeCorrelationWindowS,
        same: 'unit',
      },
      severity: 'critical',
      category: 'emergency.fire',
      message: text(
        '{building}栋{unit}单元两个烟感报警，疑似火情',
        'Two smoke alarms in building {building} unit {unit}: suspected fire',
      ),
    }),
    // §7 gas: "≥ threshold (% LEL), any duration; close valve if supported". The detector's state
    // and its alarm / alarm_cleared events all carry gas_lel, so any of them raises or clears.
    // The valve command goes to the alerting detector itself (`target: {}`), which drives its linked
    // shut-off valve; a room-wide target would need every detector installed with a room.
    rule({
      id: 'gas.lel',
      name: text('燃气浓度超限', 'Gas concentration high'),
      kinds: ['gas_detector'],
      condition: {
        type: 'threshold',
        field: 'gas_lel',
        op: '>=',
        value: p.gasLelPercent,
        clear: { op: '<', value: p.gasClearLelPercent },
      },
      severity: 'critical',
      category: 'emergency.gas_leak',
      message: text('燃气浓度 {gas_lel} %LEL（{device_id}）', 'Gas at {gas_lel} %LEL at {device_id}'),
      extra: { actions: [{ type: 'command', target: {}, command: { valve: 'close' } }] },
    }),
    // §7 manhole cover: "tilt > 15° for ≥ 3 s, or open". The `tilted` event carries tilt too.
    rule({
      id: 'manhole.tilt',
      name: text('井盖倾斜', 'Manhole cover tilted'),
      kinds: ['manhole_cover'],
      condition: {
        type: 'threshold',
        field: 'tilt',
        op: '>',
        value: p.manholeTiltDeg,
        for_s: p.manholeTiltForS,
        clear: { op: '<', value: p.manholeClearDeg },
      },
      severity: 'critical',
      category: 'urban_management.manhole_cover',
      message: text('井盖 {device_id} 倾斜 {tilt}°', 'Manhole cover {device_id} tilted {tilt}°'),
    }),
    rule({
      id: 'manhole.opened',
      name: text('井盖开启', 'Manhole cover opened'),
      kinds: ['manhole_cover'],
      condition: { type: 'event', event: 'opened', clear_event: 'closed' },
      severity: 'critical',
      category: 'urban_management.manhole_cover',
      message: text('井盖 {device_id} 被打开', 'Manhole cover {device_id} opened'),
    }),
    // §7 hydrant / sprinkler pressure low: "below threshold > 30 min". The device's own
    // pressure_low / pressure_restored events carry the pressure as well.
    rule({
      id: 'hydrant.pressure_low',
      name: text('消防水压过低', 'Fire water pressure low'),
      kinds: ['hydrant_pressure'],
      condition: {
        type: 'threshold',
        field: 'pressure',
        op: '<',
        value: p.hydrantLowKpa,
        for_s: p.hydrantLowForS,
        clear: { op: '>=', value: p.hydrantClearKpa },
      },
      severity: 'major',
      category: 'safety.fire_water',
      message: text('{device_id} 水压 {pressure} kPa 持续偏低', 'Pressure at {device_id} low: {pressure} kPa'),
    }),
    // §7 fire lane: "vehicle present > 10 min, re-alert every 5 min; incident if > 30 min or ≥ 3
    // times a day". The camera's analytics emits `occupied` after its own dwell time (configure it
    // to 10 min on the camera); the edge re-announces until `cleared`.
    rule({
      id: 'fire_lane.occupied',
      name: text('消防通道占用', 'Fire lane occupied'),
      kinds: ['fire_lane_camera'],
      condition: { type: 'event', event: 'occupied', clear_event: 'cleared' },
      severity: 'minor',
      category: 'safety.fire_lane',
      message: text('消防通道 {zone} 被占用', 'Fire lane {zone} occupied'),
      extra: { repeat_every_s: p.fireLaneRepeatS },
    }),
    rule({
      id: 'fire_lane.occupied_long',
      name: text('消防通道长时间占用', 'Fire lane occupied for long'),
      kinds: ['fire_lane_camera'],
      condition: { type: 'threshold', field: 'vehicles', op: '>=', value: 1, for_s: p.fireLaneLongS },
      severity: 'major',
      category: 'safety.fire_lane',
      message: text('{device_id} 消防通道占用超过30分钟', 'Fire lane at {device_id} occupied for over 30 min'),
    }),
    rule({
      id: 'fire_lane.repeated',
      name: text('消防通道多次占用', 'Fire lane blocked repeatedly'),
      kinds: ['fire_lane_camera'],
      condition: {
        type: 'count',
        event: 'occupied',
        at_least: p.fireLaneRepeatCount,
        window_s: p.fireLaneRepeatWindowS,
      },
      severity: 'major',
      category: 'safety.fire_lane',
      message: text('{device_id} 消防通道24小时内多次被占用', 'Fire lane at {device_id} blocked repeatedly in 24 h'),
    }),
    // §7 e-bike entering elevator: "block door + voice locally; alert only". Both commands go to
    // the car that saw the e-bike: an empty target is the alerting device itself (the schema allows
    // it; the action runner sends it to the subject). `same: room` would need every car installed
    // with a floor and its own room, and `same: unit` would also hold the other cars of the unit.
    rule({
      id: 'elevator.ebike',
      name: text('电动车入梯', 'E-bike taken into an elevator'),
      kinds: ['elevator'],
      condition: { type: 'event', event: 'ebike_detected' },
      severity: 'minor',
      category: 'safety.ebike_elevator',
      message: text('{device_id} 检测到电动车入梯', 'E-bike in elevator {device_id}'),
      extra: {
        actions: [
          { type: 'command', target: {}, command: { door: 'hold_open', duration_s: p.ebikeHoldOpenS } },
          { type: 'command', target: {}, command: { voice: 'ebike_warning' } },
        ],
      },
    }),
    // §7 high-altitude throwing: "camera analytics with clip; confirm first". The alert carries
    // the clip reference as evidence; a grid worker reviews it in the cloud before filing.
    rule({
      id: 'high_altitude.throwing',
      name: text('高空抛物', 'Object thrown from height'),
      kinds: ['high_altitude_camera'],
      condition: { type: 'event', event: 'throwing_detected' },
      severity: 'major',
      category: 'safety.high_altitude_throwing',
      message: text(
        '{device_id} 检测到高空抛物，请核实视频',
        'Object thrown from height seen by {device_id}: review the clip',
      ),
    }),
    // §7 elderly living alone: "< 10 L in 12 h". Rules cannot sum readings, so this is "no reading
    // with any use (interval_volume > 0) in 12 h": stricter only for households that use a few
    // litres a day. Only devices tagged `elderly_alone` by the installer.
    rule({
      id: 'elderly.no_water',
      name: text('独居老人长时间未用水', 'Elderly living alone: no water use'),
      kinds: ['water_meter'],
      tags: ['elderly_alone'],
      condition: {
        type: 'absence',
        event: 'reading',
        where: { interval_volume: { '>': 0 } },
        within_s: p.elderlyNoWaterS,
      },
      severity: 'major',
      category: 'special_population.elderly_welfare',
      message: text('{device_id} 长时间未用水，请联系老人', 'No water use at {device_id}: contact the resident'),
    }),
    rule({
      id: 'elderly.door_not_opened',
      name: text('独居老人长时间未开门', 'Elderly living alone: door not opened'),
      kinds: ['door_contact'],
      tags: ['elderly_alone'],
      condition: { type: 'absence', event: 'opened', within_s: p.elderlyDoorS },
      severity: 'major',
      category: 'special_population.elderly_welfare',
      message: text(
        '{device_id} 长时间未开门，请联系老人',
        'Door {device_id} not opened for long: contact the resident',
      ),
    }),
    // §7 access control: "door forced / held open: immediate / > 3 min".
    rule({
      id: 'access.door_forced',
      name: text('门被强行打开', 'Door forced open'),
      kinds: ['access_control'],
      condition: { type: 'event', event: 'door_forced' },
      severity: 'major',
      category: 'safety.access.door_forced',
      message: text('{device_id} 门被强行打开', 'Door forced open at {device_id}'),
    }),
    rule({
      id: 'access.door_held_open',
      name: text('门长时间未关', 'Door held open'),
      kinds: ['access_control'],
      condition: { type: 'event', event: 'door_held_open', where: { duration_s: { '>=': p.doorHeldOpenS } } },
      severity: 'minor',
      category: 'safety.access.door_held_open',
      message: text('{device_id} 门已开启 {duration_s} 秒未关', 'Door at {device_id} held open for {duration_s} s'),
    }),
    // §7 perimeter intrusion: "confirmed, after hours". Confirmation is the detector's (its
    // confidence) or the security guard's; the edge raises after hours only.
    rule({
      id: 'perimeter.intrusion_after_hours',
      name: text('夜间周界入侵', 'Perimeter intrusion after hours'),
      kinds: ['perimeter_intrusion'],
      condition: { type: 'event', event: 'intrusion', clear_event: 'cleared' },
      severity: 'major',
      category: 'safety.perimeter_intrusion',
      message: text('周界 {zone} 夜间入侵报警', 'Intrusion at fence zone {zone} after hours'),
      extra: { schedule: { periods: [{ from: p.afterHoursFrom, to: p.afterHoursTo }] } },
    }),
    // Seed categories outside the §7 table whose devices report them directly.
    rule({
      id: 'elevator.trapped',
      name: text('电梯困人', 'Passenger trapped in an elevator'),
      kinds: ['elevator'],
      condition: { type: 'event', event: 'trapped', clear_after_s: 600 },
      severity: 'critical',
      category: 'emergency.elevator_trapped',
      message: text('{device_id} 电梯困人', 'Passenger trapped in elevator {device_id}'),
    }),
    rule({
      id: 'emergency_button.pressed',
      name: text('紧急呼叫', 'Emergency button pressed'),
      kinds: ['emergency_button'],
      condition: { type: 'event', event: 'pressed', clear_event: 'cancelled' },
      severity: 'critical',
      category: 'special_population.emergency_call',
      message: text('{device_id} 紧急呼叫', 'Emergency call from {device_id}'),
    }),
    rule({
      id: 'water_leak.leak',
      name: text('水浸报警', 'Water leak'),
      kinds: ['water_leak'],
      condition: { type: 'event', event: 'leak', clear_event: 'leak_cleared' },
      severity: 'minor',
      category: 'livelihood.water_leak',
      message: text('{device_id} 水浸报警', 'Water leak at {device_id}'),
    }),
    // §7 device maintenance: "maintenance ticket, not a grid incident". Offline is the liveness
    // module's (it publishes availability); these cover tamper, faults and low batteries.
    rule({
      id: 'maintenance.tamper',
      name: text('设备被拆', 'Device tampered with'),
      kinds: kindsWithEvent('tamper', true),
      condition: { type: 'event', event: 'tamper' },
      severity: 'minor',
      category: 'device_maintenance.tamper',
      message: text('{device_id} 防拆报警', 'Tamper alarm at {device_id}'),
    }),
    rule({
      id: 'maintenance.camera_tamper',
      name: text('摄像机被遮挡或移位', 'Camera covered or moved'),
      kinds: ['onvif_camera'],
      condition: { type: 'event', event: 'tamper', where: { state: true } },
      severity: 'minor',
      category: 'device_maintenance.tamper',
      message: text('{device_id} 视频遮挡或移位', 'Camera {device_id} covered or moved'),
    }),
    rule({
      id: 'maintenance.fault',
      name: text('设备故障', 'Device fault'),
      kinds: kindsWithEvent('fault'),
      condition: { type: 'event', event: 'fault', clear_after_s: 3600 },
      severity: 'warning',
      category: 'device_maintenance.fault',
      message: text('{device_id} 故障 {code}', 'Fault {code} at {device_id}'),
    }),
    rule({
      id: 'maintenance.low_battery',
      name: text('电量低', 'Low battery'),
      kinds: kindsWithNumericState('battery'),
      condition: {
        type: 'threshold',
        field: 'battery',
        op: '<',
        value: p.lowBatteryPercent,
        for_s: p.lowBatteryForS,
        clear: { op: '>=', value: p.lowBatteryClearPercent },
      },
      severity: 'info',
      category: 'device_maintenance.low_battery',
      message: text('{device_id} 电量 {battery}%，请更换电池', 'Battery at {device_id} is {battery} %: replace it'),
    }),
  ];
}

const FILE_HEADER = ` Gridlink rule file: the built-in templates (domain §7 default policy).
 Edit thresholds, selectors and actions for this community, then check it with
   gridlink-gateway rules check <file>
 and try it on recorded traffic with
   gridlink-gateway rules test <file> --events <recorded.jsonl>`;

/** The built-in rules as a YAML rule file that `parseRuleFile` accepts: where installers start. */
export function builtinRuleFile(params: Partial<TemplateParams> = {}): string {
  const doc = new Document({ version: 1, rules: builtinRules(params), suppressions: [] });
  doc.commentBefore = FILE_HEADER;
  compactStyle(doc);
  return doc.toString({ lineWidth: 0 });
}

/** Small maps and lists on one line (`selector: { kinds: [gas_detector] }`), as people write them. */
export function compactStyle(node: Parameters<typeof visit>[0]): void {
  visit(node, {
    Collection(_, node) {
      if (isCollection(node) && JSON.stringify(node.toJSON()).length <= 64) node.flow = true;
    },
    // `22:00` is a string in YAML 1.2 but a number (1320) to YAML 1.1 tools: quote times of day.
    Scalar(_, node) {
      if (typeof node.value === 'string' && /^\d\d:\d\d$/.test(node.value)) node.type = Scalar.QUOTE_SINGLE;
    },
  });
}
