import type { Client } from 'aedes';

/**
 * Lets go of a client's password once its login is decided. aedes' parser keeps the client's
 * CONNECT for as long as the connection lives (mqtt-packet reads the protocol version from it),
 * password included, and the password is a slice of the socket read it came in: every signed-in
 * client would keep its secret, and with it that read, in memory (~1 KiB each under a flood). The
 * bytes are zeroed too, in case something else still holds that read.
 *
 * Reaches into aedes 1.2 / mqtt-packet 9 (`client._parser.settings`); a client without it is left as it is.
 */
export function forgetPassword(client: Client): void {
  const connect = (client as unknown as { _parser?: { settings?: { password?: unknown } } })._parser?.settings;
  if (!connect || connect.password === undefined) return;
  if (Buffer.isBuffer(connect.password)) connect.password.fill(0);
  connect.password = undefined;
}
