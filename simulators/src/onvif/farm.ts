import { OnvifCameraSimulator } from './camera.js';
import type { OnvifCameraOptions } from './options.js';

/** Many simulated cameras in one process, each with its own HTTP port and discovery socket. */
export class OnvifCameraFarm {
  readonly cameras: OnvifCameraSimulator[];
  private readonly byId = new Map<string, OnvifCameraSimulator>();

  constructor(cameras: OnvifCameraOptions[]) {
    this.cameras = cameras.map((options) => new OnvifCameraSimulator(options));
    for (const camera of this.cameras) {
      if (this.byId.has(camera.id))
        throw new Error(`camera id ${camera.id} appears twice in the farm: ids must be unique`);
      this.byId.set(camera.id, camera);
    }
  }

  async start(): Promise<void> {
    const results = await Promise.allSettled(this.cameras.map((camera) => camera.start()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.cameras.map((camera) => camera.stop()));
  }

  get(id: string): OnvifCameraSimulator {
    const camera = this.byId.get(id);
    if (!camera) throw new Error(`no camera ${id} in this farm; cameras: ${[...this.byId.keys()].join(', ')}`);
    return camera;
  }
}
