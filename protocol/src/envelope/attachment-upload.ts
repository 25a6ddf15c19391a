import { z } from 'zod';
import { DeviceId, OpaqueId } from '../ids.js';
import { Timestamp } from '../time.js';

/** The image kinds a gateway uploads as evidence; the cloud checks the bytes' magic, not the header. */
export const EVIDENCE_MEDIA_TYPES = ['image/jpeg', 'image/png'] as const;
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];

/**
 * Gateway → cloud: one camera snapshot, `POST /api/v1/gateways/{id}/attachments?<these>` with the
 * image as the body. Linked by the gateway's alert id (a snapshot taken at an event) or by the
 * request id of a downlink `camera.snapshot` (a fresh one someone asked for); `upload_id` makes a
 * retry harmless.
 */
export const AttachmentUpload = z
  .strictObject({
    upload_id: OpaqueId,
    device_id: DeviceId,
    taken_at: Timestamp,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 lowercase hex digits'),
    alert_id: OpaqueId.optional(),
    request_id: OpaqueId.optional(),
  })
  .refine((upload) => upload.alert_id !== undefined || upload.request_id !== undefined, {
    error: 'name the alert (alert_id) or the request (request_id) the snapshot belongs to',
    path: ['alert_id'],
  });
export type AttachmentUpload = z.infer<typeof AttachmentUpload>;

/** Sniffs JPEG or PNG from the first bytes; undefined for anything else. */
export function evidenceMediaType(bytes: Uint8Array): EvidenceMediaType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((byte, i) => bytes[i] === byte)) return 'image/png';
  return undefined;
}
