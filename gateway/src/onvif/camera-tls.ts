import { readFileSync } from 'node:fs';
import type { OnvifCameraConfig } from '../config/schema.js';
import type { CameraTls } from './http-transport.js';

/**
 * How a camera's HTTPS certificate is checked, from its configuration: against `tls_ca_file`
 * (read at each connection, so a renewed certificate needs no restart), the system's CAs, or not
 * at all when the installer set `insecure_tls`.
 */
export function cameraTls(camera: Pick<OnvifCameraConfig, 'tls_ca_file' | 'insecure_tls'>): CameraTls {
  if (camera.insecure_tls) return { insecure: true };
  return camera.tls_ca_file === undefined ? {} : { ca: readFileSync(camera.tls_ca_file) };
}
