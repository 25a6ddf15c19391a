import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServices, testTopicPrefix } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../scenarios/catalogue.js';
import { runSimCli } from './main.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runSimCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('gridlink-sim', () => {
  it('lists every scenario with the alerts and incidents it expects', async () => {
    const { code, stdout } = await cli('list');
    expect(code).toBe(0);
    for (const scenario of SCENARIOS) expect(stdout).toContain(`${scenario.name} — ${scenario.title.zh}`);
    expect(stdout).toContain('    builtin.smoke.two_detectors on smoke-b3-u2-f04');
    expect(stdout).toContain('    emergency.fire (urgent) from smoke-b3-u2-0401, 3 alerts linked');
    expect(stdout).toContain('    gas-b2-u1-0502 ← {"valve":"close"}');
  });

  it('prints the generated community as the registry CSV', async () => {
    const { code, stdout } = await cli('community', '--size', 'small');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('id,kind,community,grid,building,unit,floor,room,notes,tags');
    expect(stdout).toContain('\nsmoke-b3-u2-0401,smoke_detector,320803001001,320803001001003,3,2,4,0401,,\n');
  });

  it('says what is wrong: an unknown scenario, missing credentials, an unreadable credentials file', async () => {
    expect(await cli('show', 'fire-building-9')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no scenario named "fire-building-9"; scenarios: fire-building-3, gas-leak'),
    });
    expect((await cli('run', 'gas-leak')).stderr).toContain(
      'run needs --credentials <file> (npm start writes .gridlink/sim-credentials.json)',
    );
    const dir = mkdtempSync(join(tmpdir(), 'gridlink-sim-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ devices: { 'Smoke 1': 'x' } }));
    expect((await cli('run', 'gas-leak', '--credentials', join(dir, 'bad.json'))).stderr).toMatch(
      /--credentials .*bad\.json: devices\.Smoke 1: /,
    );
    expect((await cli('run', 'cloud-outage', '--credentials', join(dir, 'bad.json'))).code).toBe(1);
  });

  it('plays a scenario against a broker with the devices’ credentials (real time, Mosquitto)', async () => {
    const base = `${testTopicPrefix()}/gridlink`;
    const watcher = await mqtt.connectAsync(testServices().mqtt.url, { reconnectPeriod: 0 });
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync(`${base}/+/event/+`, { qos: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'gridlink-sim-'));
    const credentials = join(dir, 'credentials.json');
    writeFileSync(
      credentials,
      JSON.stringify({ broker: testServices().mqtt.url, base_topic: base, devices: { 'mh-03': 'p1', 'mh-04': 'p2' } }),
    );
    const { code, stdout } = await cli('run', 'manhole-cover-removed', '--credentials', credentials);
    await watcher.endAsync();
    expect(code).toBe(0);
    expect(stdout).toContain('mh-03: lifted and tilted 38.5°');
    expect(stdout).toContain('No observer account in the credentials file');
    expect(seen).toEqual([`${base}/mh-03/event/tilted`, `${base}/mh-03/event/opened`]);
  }, 20_000);
});
