import type { DeviceKind, Place } from '@gridlink/protocol';
import { fork, type Random, seededRandom } from '../random.js';

/** One device of the community: stable id, where it is installed, installer tags. */
export interface CommunityDevice {
  id: string;
  kind: DeviceKind;
  place: Place;
  tags?: string[];
  notes?: string;
  /** Water meters: the household's daily use in litres. */
  litresPerDay?: number;
  /** Access control: households behind the entrance. */
  households?: number;
}

export interface Household {
  /** `b3-u2-0401`: building 3, unit 2, floor 4, door 01. */
  id: string;
  building: string;
  unit: string;
  floor: number;
  room: string;
  people: number;
  elderlyAlone: boolean;
  gasKitchen: boolean;
}

/** A building unit (单元) as the cloud's territory records it. */
export interface BuildingUnit {
  community: string;
  building: string;
  unit: string;
  floors: number;
  households: number;
  grid: string;
}

export interface CommunityOptions {
  /** 12-digit community code (county 6 + town 3 + village 3). */
  community?: string;
  buildings?: number;
  unitsPerBuilding?: number;
  floors?: number;
  householdsPerFloor?: number;
  /** Buildings per grid (网格): a grid worker covers 300–500 households. */
  buildingsPerGrid?: number;
  /** Share of households that are elderly people living alone (door contact, emergency button). */
  elderlyAloneShare?: number;
  /** Share of kitchens on piped gas (gas detector with shut-off valve). */
  gasShare?: number;
  seed?: number;
}

export interface Community {
  code: string;
  grids: string[];
  units: BuildingUnit[];
  households: Household[];
  devices: CommunityDevice[];
}

/** An urban community of about 500 households: 6 buildings × 3 units × 14 floors × 2 doors = 504. */
export const FULL_COMMUNITY: Required<Omit<CommunityOptions, 'seed'>> = {
  community: '320803001001',
  buildings: 6,
  unitsPerBuilding: 3,
  floors: 14,
  householdsPerFloor: 2,
  buildingsPerGrid: 2,
  elderlyAloneShare: 0.08,
  gasShare: 0.9,
};

/** A small one for a first look: 3 buildings × 2 units × 6 floors × 2 doors = 72 households. */
export const SMALL_COMMUNITY: CommunityOptions = { buildings: 3, unitsPerBuilding: 2, floors: 6, buildingsPerGrid: 1 };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Door number `0401`: floor 4, door 01 (how Chinese residential addresses number rooms). */
export const roomOf = (floor: number, door: number) => `${pad(floor)}${pad(door)}`;

/**
 * Builds a community: buildings × units × floors of households and the devices a smart community
 * installs, each with a stable id (`smoke-b3-u2-0401`) and its place (building, unit, floor, room),
 * ready for the gateway's registry and the cloud's device placement. The same options and seed give
 * the same community.
 */
export function generateCommunity(options: CommunityOptions = {}): Community {
  const o = { ...FULL_COMMUNITY, ...options };
  if (!/^\d{12}$/.test(o.community))
    throw new Error(`community: expected 12 digits, received ${JSON.stringify(o.community)}`);
  for (const field of ['buildings', 'unitsPerBuilding', 'floors', 'householdsPerFloor', 'buildingsPerGrid'] as const) {
    const value = o[field];
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${field}: expected a whole number ≥ 1, received ${value}`);
  }
  if (o.buildings > 99 || o.unitsPerBuilding > 9 || o.floors > 99 || o.householdsPerFloor > 99)
    throw new Error(
      'community too large for the id scheme: at most 99 buildings, 9 units, 99 floors, 99 doors a floor',
    );
  const random: Random = seededRandom(options.seed ?? 2026);
  const code = o.community;
  const gridOf = (building: number) => `${code}${pad(Math.ceil(building / o.buildingsPerGrid), 3)}`;
  const grids = [...new Set(Array.from({ length: o.buildings }, (_, b) => gridOf(b + 1)))];
  const units: BuildingUnit[] = [];
  const households: Household[] = [];
  const devices: CommunityDevice[] = [];
  const add = (device: CommunityDevice) => devices.push(device);
  const outdoor = (room: string, grid = grids[0] as string): Place => ({ community: code, grid, room });

  for (let b = 1; b <= o.buildings; b++) {
    const building = String(b);
    const grid = gridOf(b);
    const own = fork(random, `b${b}`);
    for (let u = 1; u <= o.unitsPerBuilding; u++) {
      const unit = String(u);
      const at = (floor?: number, room?: string): Place => ({
        community: code,
        grid,
        building,
        unit,
        ...(floor === undefined ? {} : { floor }),
        ...(room === undefined ? {} : { room }),
      });
      const prefix = `b${b}-u${u}`;
      units.push({
        community: code,
        building,
        unit,
        floors: o.floors,
        households: o.floors * o.householdsPerFloor,
        grid,
      });
      add({
        id: `ac-${prefix}`,
        kind: 'access_control',
        place: at(1, 'entrance'),
        households: o.floors * o.householdsPerFloor,
      });
      // GB 50096: residential buildings of 12 floors or more need two lifts per unit.
      for (let n = 1; n <= (o.floors >= 12 ? 2 : 1); n++)
        add({ id: `elv-${prefix}-${n}`, kind: 'elevator', place: at(undefined, `lift-${n}`) });
      for (let floor = 1; floor <= o.floors; floor++) {
        add({
          id: `smoke-${prefix}-f${pad(floor)}`,
          kind: 'smoke_detector',
          place: at(floor, 'corridor'),
          notes: 'corridor',
        });
        for (let door = 1; door <= o.householdsPerFloor; door++) {
          const room = roomOf(floor, door);
          const id = `${prefix}-${room}`;
          const elderlyAlone = own() < o.elderlyAloneShare;
          const people = elderlyAlone ? 1 : 1 + Math.floor(own() * 4);
          const gasKitchen = own() < o.gasShare;
          households.push({ id, building, unit, floor, room, people, elderlyAlone, gasKitchen });
          const tags = elderlyAlone ? { tags: ['elderly_alone'] } : {};
          add({ id: `smoke-${id}`, kind: 'smoke_detector', place: at(floor, room) });
          if (gasKitchen) add({ id: `gas-${id}`, kind: 'gas_detector', place: at(floor, room), notes: 'kitchen' });
          // About 110 L per person and day (urban China), less for one elderly person.
          const litresPerDay = Math.round(people * (elderlyAlone ? 80 : 110) * (0.8 + own() * 0.4));
          add({ id: `wm-${id}`, kind: 'water_meter', place: at(floor, room), litresPerDay, ...tags });
          if (elderlyAlone) {
            add({ id: `dc-${id}`, kind: 'door_contact', place: at(floor, room), notes: 'front door', ...tags });
            add({ id: `sos-${id}`, kind: 'emergency_button', place: at(floor, room), ...tags });
          }
        }
      }
    }
    add({ id: `hp-b${b}`, kind: 'hydrant_pressure', place: { ...outdoor(`hydrant-b${b}`, grid), building } });
    add({ id: `cam-ha-b${b}`, kind: 'high_altitude_camera', place: { ...outdoor(`facade-b${b}`, grid), building } });
    add({ id: `cam-b${b}-01`, kind: 'onvif_camera', place: { ...outdoor(`entrance-b${b}`, grid), building } });
  }

  // Shared facilities: pump rooms, the garage sprinkler main, roads, fence, gates.
  const pumpRooms = Math.max(1, Math.ceil(o.buildings / 3));
  for (let n = 1; n <= pumpRooms; n++) {
    add({ id: `leak-pump-${n}`, kind: 'water_leak', place: outdoor(`pump-room-${n}`) });
    add({ id: `th-pump-${n}`, kind: 'temp_humidity', place: outdoor(`pump-room-${n}`) });
  }
  add({ id: 'hp-garage-1', kind: 'hydrant_pressure', place: outdoor('garage-sprinkler'), notes: 'sprinkler' });
  for (let n = 1; n <= Math.max(2, o.buildings * 2); n++)
    add({ id: `mh-${pad(n)}`, kind: 'manhole_cover', place: outdoor(`road-${pad(n)}`) });
  for (let n = 1; n <= Math.max(1, Math.ceil(o.buildings / 2)); n++)
    add({
      id: `cam-lane-${pad(n)}`,
      kind: 'fire_lane_camera',
      place: outdoor(`fire-lane-${n}`, gridOf(Math.min(o.buildings, n * 2))),
    });
  for (const side of ['north', 'east', 'south', 'west'])
    for (let n = 1; n <= Math.max(1, Math.ceil(o.buildings / 3)); n++)
      add({ id: `pir-${side}-${n}`, kind: 'perimeter_intrusion', place: outdoor(`${side}-fence-${n}`) });
  for (const gate of ['north', 'south'])
    for (const way of ['in', 'out'])
      add({ id: `gate-${gate}-${way}`, kind: 'barrier_gate', place: outdoor(`${gate}-gate`) });
  for (let n = 1; n <= 2; n++)
    add({ id: `cam-gate-${pad(n)}`, kind: 'onvif_camera', place: outdoor(n === 1 ? 'north-gate' : 'south-gate') });
  return { code, grids, units, households, devices };
}

/** The parameters of the perimeter devices' zones, as their events name them. */
export const zoneOf = (device: CommunityDevice) => device.place.room ?? device.id;
