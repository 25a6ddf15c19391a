import type { DeviceSetup, IssuedCredential } from '@gridlink/gateway';

/**
 * What a device's QR code holds: where to connect and as whom, and the password only when the
 * installer asks (a label stuck inside the device's cover, not on the wall).
 */
export function connectionSettings(
  broker: NonNullable<DeviceSetup['broker']>,
  credential: IssuedCredential,
  withPassword: boolean,
): string {
  const { id } = credential.device;
  return JSON.stringify({
    broker: `${broker.tls ? 'mqtts' : 'mqtt'}://${broker.host}:${broker.port}`,
    client_id: id,
    username: id,
    ...(withPassword ? { password: credential.password } : {}),
  });
}
