import { describe, expect, it } from 'vitest';
import { connectionStatus } from './connection-state.js';

describe('connectionStatus', () => {
  it('is green when connected, red with the reason on an error, yellow on the way', () => {
    expect(connectionStatus({ state: 'connected' })).toEqual({ fill: 'green', shape: 'dot', text: 'connected' });
    expect(connectionStatus({ state: 'error', reason: 'connect ECONNREFUSED 10.0.0.5:1883', retryInMs: 2000 })).toEqual(
      {
        fill: 'red',
        shape: 'ring',
        text: 'error: connect ECONNREFUSED 10.0.0.5:1883 (retry in 2 s)',
      },
    );
    expect(connectionStatus({ state: 'error', reason: 'host is empty' }).text).toBe('error: host is empty');
    expect(connectionStatus({ state: 'reconnecting', attempt: 3 })).toEqual({
      fill: 'yellow',
      shape: 'ring',
      text: 'reconnecting (attempt 3)',
    });
    expect(connectionStatus({ state: 'closed' })).toEqual({});
  });
});
