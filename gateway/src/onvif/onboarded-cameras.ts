import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnvifCamera, type OnvifCameraConfig } from '../config/schema.js';

/** What the console writes of a camera: its configuration without any password source. */
export type OnboardedCameraFile = Omit<OnvifCameraConfig, 'password' | 'password_file' | 'password_env'>;

/** A camera file that could not be read: shown in health with the file to fix or delete. */
export interface OnboardedCameraProblem {
  id: string;
  error: string;
}

/**
 * Cameras onboarded in the installer console, kept in the gateway's data folder as the camera
 * configuration rules ask of a password: never in the configuration itself, but in a file of its
 * own (`password_file`). Each camera is `onvif/cameras/<id>.json` (its configuration, mode 0600)
 * beside `<id>.password` (mode 0600), in a folder only the gateway's user can read (0700).
 */
export class OnboardedCameras {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'onvif', 'cameras');
  }

  /** Every camera on file, validated as a YAML camera is; the ones that are not, with why. */
  load(): { cameras: OnvifCameraConfig[]; problems: OnboardedCameraProblem[] } {
    const cameras: OnvifCameraConfig[] = [];
    const problems: OnboardedCameraProblem[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.json'));
    } catch {
      return { cameras, problems };
    }
    for (const name of names.sort()) {
      const id = name.slice(0, -'.json'.length);
      const file = join(this.dir, name);
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        const parsed = OnvifCamera.safeParse({ ...stored, password_file: this.passwordFile(id) });
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new Error(`${issue?.path.join('.') || 'camera'}: ${issue?.message}`);
        }
        if (parsed.data.id !== id) throw new Error(`id ${parsed.data.id} differs from the file name`);
        cameras.push(parsed.data);
      } catch (error) {
        problems.push({ id, error: `${file}: ${(error as Error).message} (fix or delete the file)` });
      }
    }
    return { cameras, problems };
  }

  /** Writes the camera and its password (each whole or not at all); the configuration it will run with. */
  save(camera: OnboardedCameraFile, password: string): OnvifCameraConfig {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    writeWhole(this.passwordFile(camera.id), `${password}\n`);
    writeWhole(join(this.dir, `${camera.id}.json`), `${JSON.stringify(camera, null, 2)}\n`);
    return OnvifCamera.parse({ ...camera, password_file: this.passwordFile(camera.id) });
  }

  remove(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true });
    rmSync(this.passwordFile(id), { force: true });
  }

  passwordFile(id: string): string {
    return join(this.dir, `${id}.password`);
  }
}

/** Written beside, then renamed over: a power cut leaves the old file or the new, never half. */
function writeWhole(file: string, text: string): void {
  const staging = `${file}.tmp`;
  writeFileSync(staging, text, { mode: 0o600 });
  chmodSync(staging, 0o600);
  renameSync(staging, file);
}
