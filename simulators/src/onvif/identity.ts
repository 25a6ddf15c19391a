import { createHash, randomUUID } from 'node:crypto';

/** A name-based (version 5 style) UUID from the camera id, so a camera keeps its endpoint reference. */
export function endpointReferenceFor(id: string): string {
  const hash = createHash('sha1').update(`gridlink-onvif-camera:${id}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function serialNumberFor(id: string): string {
  return `GL${createHash('sha1').update(`gridlink-onvif-serial:${id}`).digest('hex').slice(0, 14).toUpperCase()}`;
}

export function messageId(): string {
  return `urn:uuid:${randomUUID()}`;
}
