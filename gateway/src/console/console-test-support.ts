import { Gateway, type GatewayOptions } from '../gateway.js';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { silentLogger, testGatewayConfig } from '../test-support.js';

/** A real gateway on a real registry with an installer and an observer, for the console's tests. */
export async function startConsoleGateway(
  options: {
    config?: Parameters<typeof testGatewayConfig>[0];
    console?: GatewayOptions['console'];
    onvif?: GatewayOptions['onvif'];
    devices?: Array<{ id: string; kind: string; building?: string; unit?: string; tags?: string[] }>;
  } = {},
) {
  const config = testGatewayConfig(options.config);
  const registry = DeviceRegistry.open(registryPathIn(config.gateway.data_dir));
  const installer = await registry.addService('installer-1', 'installer');
  const observer = await registry.addService('observer-1', 'observer');
  const devices = await registry.addDevices(
    (options.devices ?? [{ id: 'dc-b1-u1-0101', kind: 'door_contact', building: '1', unit: '1' }]).map((d) => ({
      community: config.gateway.community,
      ...d,
    })),
  );
  const startGateway = async () => {
    const started = new Gateway({
      config,
      directory: registry,
      logger: silentLogger(),
      console: options.console,
      ...(options.onvif ? { onvif: options.onvif } : {}),
    });
    await started.start();
    return started;
  };
  let gateway = await startGateway();

  /** Signs in and returns the session cookie (`name=value`). */
  const signIn = async (username: string, password: string): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${gateway.ports.http}/api/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (response.status !== 200) throw new Error(`sign-in as ${username} answered ${response.status}`);
    return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };

  return {
    get gateway() {
      return gateway;
    },
    registry,
    config,
    /** Stops the gateway and starts it again on the same registry and data folder (a new HTTP port). */
    async restart() {
      await gateway.stop();
      gateway = await startGateway();
      return `http://127.0.0.1:${gateway.ports.http}`;
    },
    get base() {
      return `http://127.0.0.1:${gateway.ports.http}`;
    },
    devices,
    installer: { username: 'installer-1', password: installer.password },
    observer: { username: 'observer-1', password: observer.password },
    signIn,
    async stop() {
      await gateway.stop();
      registry.close();
    },
  };
}
