import { fork, type Random } from '../random.js';

export type Credential = 'card' | 'face' | 'qr';

/** One resident of a unit entrance, by pseudonymous reference only (never a name or biometric). */
export interface Resident {
  ref: string;
  /** How this resident usually opens the door. */
  method: Credential;
  /** Goes out to work or school in the morning (peaks at 7–9 and 17–20), else about all day. */
  commuter: boolean;
  /** Card past its validity: the terminal denies it (`expired`). */
  expired: boolean;
}

/**
 * The residents behind one unit entrance. Older residents mostly use cards, younger ones their
 * face; a few carry an expired card. Credential references are stable for a seed and entrance.
 */
export function residentsOf(random: Random, entranceId: string, households: number, perHousehold = 2.6): Resident[] {
  const own = fork(random, entranceId);
  const count = Math.max(1, Math.round(households * perHousehold));
  return Array.from({ length: count }, (_, n) => {
    const commuter = own() < 0.62;
    const roll = own();
    const method: Credential = commuter
      ? roll < 0.55
        ? 'face'
        : roll < 0.9
          ? 'card'
          : 'qr'
      : roll < 0.7
        ? 'card'
        : 'face';
    return {
      ref: `c-${entranceId.replace(/[^a-z0-9]/g, '').slice(-8)}-${n.toString(36).padStart(3, '0')}`,
      method,
      commuter,
      expired: own() < 0.02,
    };
  });
}

/**
 * Entries and exits per resident per local hour: commuters leave in the morning and come back in
 * the evening, others go out mid-morning and afternoon; almost nobody moves at night.
 */
const COMMUTER = [
  0.01, 0.005, 0, 0, 0, 0.02, 0.15, 0.35, 0.25, 0.05, 0.03, 0.05, 0.08, 0.05, 0.03, 0.03, 0.05, 0.2, 0.3, 0.25, 0.12,
  0.08, 0.05, 0.02,
];
const HOME = [
  0.005, 0, 0, 0, 0, 0.02, 0.1, 0.12, 0.15, 0.2, 0.15, 0.1, 0.05, 0.03, 0.08, 0.12, 0.15, 0.12, 0.06, 0.05, 0.04, 0.02,
  0.01, 0.005,
];

export function passagesPerHour(resident: Resident, localHour: number): number {
  return (resident.commuter ? COMMUTER : HOME)[localHour] ?? 0;
}
