import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-match.js';

describe('topicMatches', () => {
  it('matches + to one level and # to the rest, as MQTT does', () => {
    expect(topicMatches('gridlink/+', 'gridlink/wm-1')).toBe(true);
    expect(topicMatches('gridlink/+', 'gridlink/wm-1/event/reading')).toBe(false);
    expect(topicMatches('gridlink/+/event/+', 'gridlink/wm-1/event/reading')).toBe(true);
    expect(topicMatches('gridlink/alert/#', 'gridlink/alert/builtin.smoke.alarm/smoke-1')).toBe(true);
    expect(topicMatches('gridlink/alert/#', 'gridlink/wm-1')).toBe(false);
    expect(topicMatches('gridlink/wm-1', 'gridlink/wm-1')).toBe(true);
    expect(topicMatches('gridlink/wm-1', 'gridlink/wm-12')).toBe(false);
  });
});
