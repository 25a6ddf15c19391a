import { readFileSync } from 'node:fs';
import type { OnvifCameraConfig } from '../config/schema.js';

/**
 * A camera's password from exactly one place: a file (`password_file`, one trailing newline
 * removed), an environment variable (`password_env`) or the config itself. Errors name the field
 * and never the value.
 */
export function cameraPassword(camera: OnvifCameraConfig, index: number, env: NodeJS.ProcessEnv = process.env): string {
  const at = `onvif.cameras[${index}] (${camera.id})`;
  if (camera.password_file !== undefined) {
    let text: string;
    try {
      text = readFileSync(camera.password_file, 'utf8');
    } catch (error) {
      throw new Error(
        `${at}.password_file: cannot read ${camera.password_file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    const password = text.replace(/\r?\n$/, '');
    if (!password) throw new Error(`${at}.password_file: ${camera.password_file} is empty`);
    return password;
  }
  if (camera.password_env !== undefined) {
    const password = env[camera.password_env];
    if (!password) throw new Error(`${at}.password_env: the environment variable ${camera.password_env} is not set`);
    return password;
  }
  if (camera.password !== undefined) return camera.password;
  throw new Error(`${at}: set password_file, password_env or password`);
}
