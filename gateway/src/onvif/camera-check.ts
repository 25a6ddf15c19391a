import { CameraClient } from './camera-client.js';
import type { CameraTls } from './http-transport.js';
import { CameraUnreachableError } from './http-transport.js';
import type { DeviceInformation } from './responses.js';
import { isAuthFault, SoapFault } from './soap-fault.js';

/** Which form field a failed check points at, and what to tell the installer. */
export class CameraCheckError extends Error {
  constructor(
    readonly field: 'id' | 'address' | 'password',
    message: string,
  ) {
    super(message);
  }
}

export interface CameraCheckOptions {
  xaddr: string;
  username: string;
  password: string;
  now: () => number;
  timeoutMs: number;
  tls?: CameraTls;
}

/**
 * Tries credentials on a camera before the gateway keeps them: its clock (unauthenticated), then
 * GetDeviceInformation (authenticated: only right credentials pass). One attempt, no retry: a
 * wrong password is said to the installer, never tried again in a loop that could lock the
 * camera's account.
 */
export async function checkCamera(
  options: CameraCheckOptions,
): Promise<{ info: DeviceInformation; clockOffsetMs: number }> {
  const client = new CameraClient({
    deviceServiceUrl: options.xaddr,
    credentials: { username: options.username, password: options.password },
    now: options.now,
    timeoutMs: options.timeoutMs,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  try {
    const { offsetMs } = await client.measureClock().catch((error: unknown) => {
      throw isAuthFault(error) ? error : new CameraCheckError('address', notOnvif(options.xaddr, error));
    });
    const info = await client.getDeviceInformation();
    return { info, clockOffsetMs: offsetMs };
  } catch (error) {
    if (error instanceof CameraCheckError) throw error;
    if (isAuthFault(error)) {
      throw new CameraCheckError(
        'password',
        `the camera refused the username or password (${faultReason(error)}): check both on the camera; nothing was stored`,
      );
    }
    throw new CameraCheckError('address', notOnvif(options.xaddr, error));
  } finally {
    client.close();
  }
}

function notOnvif(xaddr: string, error: unknown): string {
  const why = error instanceof Error ? error.message : String(error);
  return error instanceof CameraUnreachableError
    ? `no camera answers at ${xaddr} (${why}): check the address and that the camera is on`
    : `${xaddr} did not answer as an ONVIF camera (${why.slice(0, 200)})`;
}

function faultReason(error: unknown): string {
  if (error instanceof SoapFault) return error.reason || error.message;
  return error instanceof Error ? error.message : String(error);
}
