import { describe, expect, it } from 'vitest';
import { manualClock } from '../test-support.js';
import { AttachmentLinks, LINK_TTL_MS } from './links.js';

const SECRET = 'an-admin-token-that-is-long-enough-0123';
const PHOTO = '0b6f7b1e-3c1d-4f5e-9a47-2f0c2d8e4a10';

describe('signed attachment links', () => {
  it('name the user they were signed for, until they expire', () => {
    const clock = manualClock();
    const links = new AttachmentLinks(SECRET, clock);
    const access = links.sign(PHOTO, 'user-1');
    expect(links.verify(PHOTO, access)).toBe('user-1');
    clock.advance(LINK_TTL_MS - 1000);
    expect(links.verify(PHOTO, access)).toBe('user-1');
    clock.advance(1000);
    expect(links.verify(PHOTO, access)).toBeUndefined();
  });

  it('work for one attachment, and only with the key they were signed with', () => {
    const clock = manualClock();
    const access = new AttachmentLinks(SECRET, clock).sign(PHOTO, 'user-1');
    expect(new AttachmentLinks(SECRET, clock).verify('another-attachment', access)).toBeUndefined();
    expect(new AttachmentLinks(`${SECRET}-rotated`, clock).verify(PHOTO, access)).toBeUndefined();
    const [user, expires, mac] = access.split('.') as [string, string, string];
    const otherUser = Buffer.from('user-2').toString('base64url');
    expect(new AttachmentLinks(SECRET, clock).verify(PHOTO, `${otherUser}.${expires}.${mac}`)).toBeUndefined();
    expect(new AttachmentLinks(SECRET, clock).verify(PHOTO, `${user}.${Number(expires) + 600}.${mac}`)).toBeUndefined();
    expect(new AttachmentLinks(SECRET, clock).verify(PHOTO, 'garbage')).toBeUndefined();
  });
});
