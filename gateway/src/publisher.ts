import type { Aedes } from 'aedes';

/** The gateway's own publishes into its embedded broker (they bypass the client ACL by design). */
export class Publisher {
  constructor(private readonly aedes: Aedes) {}

  publish(
    topic: string,
    payload: unknown,
    { retain = false, qos = 0 }: { retain?: boolean; qos?: 0 | 1 } = {},
  ): Promise<void> {
    const body = payload === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(payload));
    return new Promise((resolve, reject) =>
      this.aedes.publish({ cmd: 'publish', topic, payload: body, qos, retain, dup: false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
}
