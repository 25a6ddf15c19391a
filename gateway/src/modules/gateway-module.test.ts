import { describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support.js';
import { type GatewayModule, ModuleStartError, StartedModules } from './gateway-module.js';

function recorder() {
  const log: string[] = [];
  const module = (name: string, fails?: 'start' | 'stop'): GatewayModule => ({
    name,
    async start() {
      log.push(`start ${name}`);
      if (fails === 'start') throw new Error(`${name} cannot bind its port`);
    },
    async stop() {
      log.push(`stop ${name}`);
      if (fails === 'stop') throw new Error(`${name} did not stop`);
    },
  });
  return { log, module };
}

describe('the modules of a gateway', () => {
  it('stop in the reverse of the order they started', async () => {
    const { log, module } = recorder();
    const modules = new StartedModules(silentLogger());
    for (const name of ['broker', 'rules', 'uplink']) await modules.start(module(name));
    expect(modules.names).toEqual(['broker', 'rules', 'uplink']);
    await modules.stop();
    expect(log).toEqual(['start broker', 'start rules', 'start uplink', 'stop uplink', 'stop rules', 'stop broker']);
    expect(modules.names).toEqual([]);
  });

  it('when one fails to start, stop those already started, last first, and name the failed one', async () => {
    const { log, module } = recorder();
    const modules = new StartedModules(silentLogger());
    await modules.start(module('broker'));
    await modules.start(module('rules'));
    const failed = modules.start(module('listeners', 'start'));
    await expect(failed).rejects.toBeInstanceOf(ModuleStartError);
    await expect(failed).rejects.toThrow(
      "the gateway's listeners module failed to start: listeners cannot bind its port",
    );
    expect(log).toEqual(['start broker', 'start rules', 'start listeners', 'stop rules', 'stop broker']);
  });

  it('stop the rest when one fails to stop', async () => {
    const { log, module } = recorder();
    const modules = new StartedModules(silentLogger());
    await modules.start(module('broker'));
    await modules.start(module('onvif', 'stop'));
    await modules.start(module('ops'));
    await modules.stop();
    expect(log.slice(3)).toEqual(['stop ops', 'stop onvif', 'stop broker']);
  });
});
