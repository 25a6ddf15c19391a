import { describe, expect, it } from 'vitest';
import type { GatewayDevice } from '../gateway/device-directory.js';
import { deviceSelection, selects } from './selection.js';

const meter: GatewayDevice = {
  id: 'wm-3-2-501',
  kind: 'water_meter',
  status: 'active',
  place: { community: '320803001001', building: '3', unit: '2', floor: 5 },
  tags: ['elderly_alone'],
};

const selection = (props: Record<string, string>) => {
  const made = deviceSelection(props);
  if (!made.ok) throw new Error(made.reason);
  return made.selection;
};

describe('device selection', () => {
  it('takes a device when every criterion given holds; empty ones mean any', () => {
    expect(selects(selection({}), meter)).toBe(true);
    expect(selects(selection({ kind: 'water_meter', building: '3', unit: '2', floor: '5', tag: '' }), meter)).toBe(
      true,
    );
    expect(selects(selection({ tag: 'elderly_alone', floor: '6' }), meter)).toBe(false);
    expect(selects(selection({ device: 'wm-3-2-502' }), meter)).toBe(false);
    expect(selects(selection({ building: '3' }), { ...meter, place: undefined })).toBe(false);
  });

  it('names a criterion that cannot match anything', () => {
    expect(deviceSelection({ floor: 'five' })).toEqual({ ok: false, reason: 'floor "five" is not a whole number' });
    expect(deviceSelection({ device: 'WM 1' })).toEqual({
      ok: false,
      reason: 'device "WM 1" is not a device id (a-z, 0-9, "-")',
    });
    expect(deviceSelection({ tag: 'Elderly' })).toEqual({
      ok: false,
      reason: 'tag "Elderly": a tag is 1-32 of a-z, 0-9 and "_"',
    });
  });
});
