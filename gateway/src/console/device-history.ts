import type { GatewayBus, InvalidMessage, NormalisedMessage } from '../bus.js';
import type { AvailabilityChange } from '../liveness/tracker.js';

/** A message the device sent, as its page lists it. */
export interface RecentMessage {
  at: string;
  type: string;
  /** The payload as JSON, cut to a page-sized length. */
  body: string;
}

/** A message the gateway refused, with the exact validation error (as on `bridge/dead_letter/<id>`). */
export interface RecentDeadLetter {
  at: string;
  topic: string;
  error: string;
}

export interface AvailabilityEntry {
  at: string;
  state: AvailabilityChange['state'];
  reason: AvailabilityChange['reason'];
}

/** What a device's page shows of its recent past, newest first. */
export interface DeviceActivity {
  messages: RecentMessage[];
  deadLetters: RecentDeadLetter[];
  availability: AvailabilityEntry[];
}

export interface DeviceHistoryLimits {
  messages: number;
  deadLetters: number;
  availability: number;
}

const DEFAULT_LIMITS: DeviceHistoryLimits = { messages: 20, deadLetters: 20, availability: 50 };
const BODY_LENGTH = 1000;

/** A fixed-size list: the oldest entry goes when a new one comes. */
function push<T>(list: T[], entry: T, limit: number): void {
  list.push(entry);
  if (list.length > limit) list.splice(0, list.length - limit);
}

/**
 * Each device's recent messages, dead letters and availability changes, for its page. Memory is
 * bounded twice: a fixed ring per device, and devices only as the bus knows them (registered ones;
 * the broker refuses the rest). Kept in memory: after a restart a page starts from the new
 * messages (the registry and the liveness tracker hold what must survive).
 */
export class DeviceHistory {
  private readonly devices = new Map<string, DeviceActivity>();
  private readonly limits: DeviceHistoryLimits;

  constructor(
    private readonly bus: GatewayBus,
    limits: Partial<DeviceHistoryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  attach(): () => void {
    const onMessage = ({ device, message, receivedAt }: NormalisedMessage) => {
      const { type, deviceId: _id, ...rest } = message as unknown as Record<string, unknown> & { type: string };
      push(
        this.of(device.id).messages,
        { at: new Date(receivedAt).toISOString(), type, body: JSON.stringify(rest).slice(0, BODY_LENGTH) },
        this.limits.messages,
      );
    };
    const onInvalid = ({ device, topic, error, receivedAt }: InvalidMessage) => {
      push(
        this.of(device.id).deadLetters,
        { at: new Date(receivedAt).toISOString(), topic, error },
        this.limits.deadLetters,
      );
    };
    const onAvailability = ({ device, state, reason, at }: AvailabilityChange) => {
      push(
        this.of(device.id).availability,
        { at: new Date(at).toISOString(), state, reason },
        this.limits.availability,
      );
    };
    this.bus.on('message', onMessage).on('invalid', onInvalid).on('availability', onAvailability);
    return () => {
      this.bus.off('message', onMessage).off('invalid', onInvalid).off('availability', onAvailability);
    };
  }

  /** A device's activity, newest first. */
  activity(id: string): DeviceActivity {
    const stored = this.devices.get(id);
    if (!stored) return { messages: [], deadLetters: [], availability: [] };
    return {
      messages: stored.messages.toReversed(),
      deadLetters: stored.deadLetters.toReversed(),
      availability: stored.availability.toReversed(),
    };
  }

  private of(id: string): DeviceActivity {
    let activity = this.devices.get(id);
    if (!activity) {
      activity = { messages: [], deadLetters: [], availability: [] };
      this.devices.set(id, activity);
    }
    return activity;
  }
}
