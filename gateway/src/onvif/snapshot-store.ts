import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SnapshotStoreOptions {
  /** The gateway's data directory; snapshots go under `media/<camera_id>/`. */
  dataDir: string;
  /** All snapshots together stay under this; the oldest are deleted first. */
  maxTotalBytes: number;
}

interface Stored {
  path: string;
  bytes: number;
  at: number;
}

/**
 * Camera snapshots on the gateway's disk, referenced from events as `media/<camera_id>/<file>.jpg`
 * (relative to the data directory). Bounded: over `maxTotalBytes` the oldest files go, so a camera
 * reporting motion all night cannot fill the disk the outbox needs.
 */
export class SnapshotStore {
  private readonly files: Stored[] = [];
  private total = 0;
  private sequence = 0;
  readonly root: string;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.root = join(options.dataDir, 'media');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.scan();
  }

  /** Writes a JPEG and returns its reference. */
  save(cameraId: string, jpeg: Buffer, at: number): string {
    const dir = join(this.root, cameraId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const name = `${new Date(at).toISOString().replace(/[-:]/g, '').replace('.', '')}-${++this.sequence}.jpg`;
    const file = join(dir, name);
    writeFileSync(file, jpeg, { mode: 0o600 });
    this.files.push({ path: file, bytes: jpeg.length, at });
    this.total += jpeg.length;
    this.evict();
    return `media/${cameraId}/${name}`;
  }

  stats() {
    return { files: this.files.length, bytes: this.total };
  }

  private evict(): void {
    while (this.total > this.options.maxTotalBytes && this.files.length > 1) {
      const oldest = this.files.shift() as Stored;
      this.total -= oldest.bytes;
      rmSync(oldest.path, { force: true });
    }
  }

  /** Snapshots already on disk (from before a restart) count against the bound. */
  private scan(): void {
    for (const camera of readdirSync(this.root, { withFileTypes: true })) {
      if (!camera.isDirectory()) continue;
      const dir = join(this.root, camera.name);
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.jpg')) continue;
        const file = join(dir, name);
        const stat = statSync(file);
        this.files.push({ path: file, bytes: stat.size, at: stat.mtimeMs });
        this.total += stat.size;
      }
    }
    this.files.sort((a, b) => a.at - b.at);
    this.evict();
  }
}
