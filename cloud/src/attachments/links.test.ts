import { describe, expect, it } from 'vitest';
import { manualClock } from '../test-support.js';
import { AttachmentLinks, LINK_TTL_MS } from './links.js';

const SECRET = 'an-admin-token-that-is-long-enough-0123';
const PHOTO = '0b6f7b1e-3c1d-4f5e-9a47-2f0c2d8e4a10';
const HOLDER = { userId: 'user-1', sessionId: '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b' };

describe('signed attachment links', () => {
  it('name the user and session they were signed for, until they expire', () => {
    const clock = manualClock();
    const links = new AttachmentLinks(SECRET, clock);
    const access = links.sign(PHOTO, HOLDER);
    expect(links.verify(PHOTO, access)).toEqual(HOLDER);
    clock.advance(LINK_TTL_MS - 1000);
    expect(links.verify(PHOTO, access)).toEqual(HOLDER);
    clock.advance(1000);
    expect(links.verify(PHOTO, access)).toBeUndefined();
  });

  it('work for one attachment, and only with the key they were signed with', () => {
    const clock = manualClock();
    const access = new AttachmentLinks(SECRET, clock).sign(PHOTO, HOLDER);
    const links = new AttachmentLinks(SECRET, clock);
    expect(links.verify('another-attachment', access)).toBeUndefined();
    expect(new AttachmentLinks(`${SECRET}-rotated`, clock).verify(PHOTO, access)).toBeUndefined();
    const [user, session, expires, mac] = access.split('.') as [string, string, string, string];
    const otherUser = Buffer.from('user-2').toString('base64url');
    const otherSession = Buffer.from('6f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b').toString('base64url');
    expect(links.verify(PHOTO, `${otherUser}.${session}.${expires}.${mac}`)).toBeUndefined();
    expect(links.verify(PHOTO, `${user}.${otherSession}.${expires}.${mac}`)).toBeUndefined();
    expect(links.verify(PHOTO, `${user}.${session}.${Number(expires) + 600}.${mac}`)).toBeUndefined();
    expect(links.verify(PHOTO, 'garbage')).toBeUndefined();
  });

  it('refuse every other spelling of the signature, the spare bits of its last character included', () => {
    const clock = manualClock();
    const links = new AttachmentLinks(SECRET, clock);
    const access = links.sign(PHOTO, HOLDER);
    const head = access.slice(0, access.lastIndexOf('.') + 1);
    const mac = access.slice(access.lastIndexOf('.') + 1);
    // A SHA-256 in base64url is 43 characters; the last carries 4 bits and 2 spare ones. Every
    // other character in that place, even one decoding to the same bytes, is refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const c of alphabet) {
      if (c === mac.at(-1)) continue;
      expect(links.verify(PHOTO, `${head}${mac.slice(0, -1)}${c}`), c).toBeUndefined();
    }
    expect(links.verify(PHOTO, `${head}${mac}=`)).toBeUndefined();
  });
});
