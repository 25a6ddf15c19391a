import { readFileSync } from 'node:fs';
import { DeviceId } from '@gridlink/protocol';
import { z } from 'zod';

/**
 * The credentials file a running system hands to the simulators (npm start writes it under
 * `.gridlink/`): the broker, each device's password, and an observer account to watch alerts.
 */
export const SimCredentials = z.strictObject({
  broker: z
    .string()
    .regex(/^mqtts?:\/\//, 'an MQTT URL like mqtt://127.0.0.1:1883')
    .optional(),
  base_topic: z.string().min(1).default('gridlink'),
  devices: z.record(DeviceId, z.string().min(1)),
  observer: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }).optional(),
});
export type SimCredentials = z.output<typeof SimCredentials>;

export function readCredentials(path: string): SimCredentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `--credentials ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); npm start writes it as .gridlink/sim-credentials.json`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--credentials ${path}: not JSON (${(err as Error).message})`);
  }
  const parsed = SimCredentials.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `--credentials ${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}
