import { describe, expect, it } from 'vitest';
import { parseWith } from '../validation/parse.js';
import { DownlinkMessage } from './downlink.js';

describe('downlink messages', () => {
  it('accepts each message type', () => {
    const messages = [
      {
        id: 'dl-1',
        created_at: '2026-11-25T15:00:00.000Z',
        type: 'incident.acknowledged',
        data: { alert_id: 'al-1', incident_id: 'INC-1' },
      },
      {
        id: 'dl-2',
        created_at: '2026-11-25T15:00:00.000Z',
        type: 'incident.closed',
        data: { alert_id: 'al-1', incident_id: 'INC-1', outcome: 'resolved' },
      },
      {
        id: 'dl-3',
        created_at: '2026-11-25T15:00:00.000Z',
        type: 'rules.update',
        data: { version: 3, sha256: 'a'.repeat(64), rules_yaml: 'rules: []' },
      },
      {
        id: 'dl-4',
        created_at: '2026-11-25T15:00:00.000Z',
        type: 'device.command',
        data: { device_id: 'ac-b3-u2', command: { door: 'release' } },
      },
    ];
    for (const message of messages) expect(parseWith(DownlinkMessage, message, 'downlink').ok).toBe(true);
  });

  it('names the field of a bad message', () => {
    const result = parseWith(
      DownlinkMessage,
      {
        id: 'dl-3',
        created_at: '2026-11-25T15:00:00.000Z',
        type: 'rules.update',
        data: { version: 3, sha256: 'XYZ', rules_yaml: '' },
      },
      'downlink',
    );
    expect(result.ok || result.error.message).toBe(
      'downlink: data.sha256: expected sha256 is 64 lowercase hex digits, received string "XYZ"',
    );
  });
});
