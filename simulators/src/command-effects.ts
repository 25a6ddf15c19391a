import type { DeviceKind } from '@gridlink/protocol';

type State = Record<string, unknown>;
type Effect = (command: State, state: State) => State;

const valve: Effect = (command, state) =>
  command.valve === 'close'
    ? { ...state, valve: 'closed' }
    : command.valve === 'open'
      ? { ...state, valve: 'open' }
      : state;

/** What a real device of each kind does to its own state when it obeys a command. */
export const COMMAND_EFFECTS: Partial<Record<DeviceKind, Effect>> = {
  gas_detector: valve,
  water_meter: valve,
  perimeter_intrusion: (command, state) =>
    typeof command.armed === 'boolean' ? { ...state, armed: command.armed } : state,
  barrier_gate: (command, state) =>
    command.gate === 'open'
      ? { ...state, gate: 'open' }
      : command.gate === 'close'
        ? { ...state, gate: 'closed' }
        : state,
  access_control: (command, state) =>
    command.door === 'release'
      ? { ...state, locked: false }
      : command.door === 'lock'
        ? { ...state, locked: true }
        : state,
  elevator: (command, state) => (command.door === 'hold_open' ? { ...state, door: 'held' } : state),
};

export function applyCommand(kind: DeviceKind, command: State, state: State): State {
  return COMMAND_EFFECTS[kind]?.(command, state) ?? state;
}
