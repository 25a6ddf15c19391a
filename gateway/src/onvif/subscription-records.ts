import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The gateway's own subscription on one camera, kept across restarts so a restart resumes it. */
export const SubscriptionRecord = z.object({
  mode: z.enum(['pullpoint', 'push']),
  address: z.string().min(1),
  referenceParameters: z.string().optional(),
  /** Real-clock ms at which the camera's last grant ends. */
  expiresAt: z.number().finite(),
  /** Push: the Notify URL the camera posts to, taken back by the Notify endpoint after a restart. */
  consumerUrl: z.string().optional(),
});
export type SubscriptionRecord = z.infer<typeof SubscriptionRecord>;

/**
 * One small file per camera under `data_dir/onvif/subscriptions/`. Without it every restart left
 * a live subscription behind on the camera for its whole window, and cameras with a few slots
 * refused the gateway (and any NVR) after a handful of restarts.
 */
export class SubscriptionRecords {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'onvif', 'subscriptions');
  }

  /** The stored subscription, or undefined when none, unreadable or not ours to trust. */
  load(cameraId: string): SubscriptionRecord | undefined {
    try {
      const parsed = SubscriptionRecord.safeParse(JSON.parse(readFileSync(this.file(cameraId), 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  save(cameraId: string, record: SubscriptionRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(cameraId);
    // Written aside then renamed: a crash mid-write leaves the old record, never half a file.
    // Owner-only: a push record holds the Notify URL's token.
    writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  remove(cameraId: string): void {
    rmSync(this.file(cameraId), { force: true });
  }

  private file(cameraId: string): string {
    return join(this.dir, `${cameraId}.json`);
  }
}
