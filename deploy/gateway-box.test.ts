import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, which } from './compose-fixture.js';

/**
 * The gateway box without containers: install.sh run into a temporary root (--prefix, no
 * systemctl: nothing on this machine changes), its tree and permissions, the configuration it
 * writes checked by the gateway's own check-config, the first account, uninstall.sh; and the
 * systemd units verified by systemd-analyze. The release is this repository, built (tsc -b).
 */
const INSTALL = join(ROOT, 'deploy/gateway/install.sh');
const UNINSTALL = join(ROOT, 'deploy/gateway/uninstall.sh');
const CLI = join(ROOT, 'gateway/dist/cli/bin.js');
const UNITS = join(ROOT, 'deploy/gateway/systemd');

const roots: string[] = [];
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const newRoot = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-box-'));
  roots.push(dir);
  return dir;
};

const run = (script: string, args: string[]) =>
  spawnSync('sh', [script, ...args], { encoding: 'utf8', env: { ...process.env, DESTDIR: '' } });
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

beforeAll(() => {
  // The release's compiled gateway, as `npm run build` makes it (quick when it is up to date).
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'gateway')], {
    stdio: 'pipe',
  });
}, 300_000);

describe('deploy/gateway/install.sh into a temporary root', () => {
  it('lays out the release link, configuration, secrets, data, units and journal retention, with their permissions', () => {
    const root = newRoot();
    const result = run(INSTALL, [
      '--prefix',
      root,
      '--no-systemctl',
      '--gateway-id',
      'gw-box-001',
      '--community',
      '320803001001',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    expect(realpathSync(readlinkSync(join(root, 'opt/gridlink/gateway/current')))).toBe(realpathSync(ROOT));
    expect(existsSync(join(root, 'opt/gridlink/gateway/current/gateway/dist/cli/bin.js'))).toBe(true);
    expect(mode(join(root, 'etc/gridlink'))).toBe('755');
    expect(mode(join(root, 'etc/gridlink/gateway.yaml'))).toBe('640');
    expect(mode(join(root, 'etc/gridlink/gateway.env'))).toBe('640');
    expect(mode(join(root, 'etc/gridlink/secrets'))).toBe('750');
    for (const secret of ['uplink-token', 'metrics-token']) {
      expect(mode(join(root, 'etc/gridlink/secrets', secret)), secret).toBe('640');
      expect(readFileSync(join(root, 'etc/gridlink/secrets', secret), 'utf8'), secret).toBe('');
    }
    expect(mode(join(root, 'var/lib/gridlink'))).toBe('750');
    expect(mode(join(root, 'var/lib/gridlink/gateway'))).toBe('750');
    expect(mode(join(root, 'etc/systemd/system/gridlink-gateway.service'))).toBe('644');
    expect(mode(join(root, 'usr/local/bin/gridlink-gateway'))).toBe('755');
    expect(existsSync(join(root, 'etc/systemd/system/gridlink-node-red.service'))).toBe(false);
    expect(readFileSync(join(root, 'etc/systemd/journald.conf.d/gridlink.conf'), 'utf8')).toContain('SystemMaxUse=1G');
  });

  it("writes a configuration from the example that the gateway's own check-config accepts", () => {
    const root = newRoot();
    run(INSTALL, ['--prefix', root, '--no-systemctl', '--gateway-id', 'gw-box-001', '--community', '320803001001']);
    const config = join(root, 'etc/gridlink/gateway.yaml');
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('  id: gw-box-001\n');
    expect(text).toContain('  community: "320803001001"\n');
    expect(text).toContain('  data_dir: /var/lib/gridlink/gateway\n');
    const check = spawnSync(process.execPath, [CLI, 'check-config', config], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('creates the first installer account once, and keeps everything when run again', () => {
    const root = newRoot();
    const args = ['--prefix', root, '--no-systemctl', '--gateway-id', 'gw-box-001', '--community', '320803001001'];
    const first = run(INSTALL, args);
    expect(first.stdout).toMatch(/password: \S{16,}/);
    const config = join(root, 'etc/gridlink/gateway.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}# edited by the installer\n`);

    const again = run(INSTALL, ['--prefix', root, '--no-systemctl']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`kept      ${config}`);
    expect(again.stdout).toContain('kept      the account installer');
    expect(again.stdout).not.toContain('password:');
    expect(readFileSync(config, 'utf8')).toContain('# edited by the installer');

    const list = spawnSync(process.execPath, [CLI, 'service', 'list', '--json', '--config', config], {
      encoding: 'utf8',
      env: { ...process.env, GRIDLINK_GATEWAY__DATA_DIR: join(root, 'var/lib/gridlink/gateway') },
    });
    expect(list.stdout).toContain('"installer"');
  });

  it('refuses a new configuration without the gateway id and community, naming both', () => {
    const result = run(INSTALL, ['--prefix', newRoot(), '--no-systemctl']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('a new configuration needs --gateway-id and --community');
  });

  it("refuses an id the gateway's check-config refuses, and says so", () => {
    const result = run(INSTALL, [
      '--prefix',
      newRoot(),
      '--no-systemctl',
      '--gateway-id',
      'GW 1',
      '--community',
      '320803001001',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('gateway.id');
    expect(result.stderr).toContain('does not pass gridlink-gateway check-config');
  });

  it('uninstall.sh removes the units and the link, keeps configuration and data, and --purge removes those too', () => {
    const root = newRoot();
    run(INSTALL, [
      '--prefix',
      root,
      '--no-systemctl',
      '--with-node-red',
      '--gateway-id',
      'gw-box-001',
      '--community',
      '320803001001',
    ]);
    expect(existsSync(join(root, 'etc/systemd/system/gridlink-node-red.service'))).toBe(true);

    expect(run(UNINSTALL, ['--prefix', root, '--no-systemctl']).status).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/gridlink-gateway.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/gridlink-node-red.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/journald.conf.d/gridlink.conf'))).toBe(false);
    expect(existsSync(join(root, 'usr/local/bin/gridlink-gateway'))).toBe(false);
    expect(() => lstatSync(join(root, 'opt/gridlink/gateway/current'))).toThrow();
    expect(existsSync(join(root, 'etc/gridlink/gateway.yaml'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/gridlink/gateway/registry.db'))).toBe(true);

    expect(run(UNINSTALL, ['--prefix', root, '--no-systemctl', '--purge']).status).toBe(0);
    expect(existsSync(join(root, 'etc/gridlink'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/gridlink'))).toBe(false);
  });
});

describe.skipIf(
  cannotRun(
    'systemd-analyze',
    which('systemd-analyze') === null && "systemd-analyze is not installed (Debian's systemd)",
  ),
)('the systemd units (systemd-analyze verify)', () => {
  it.each(['gridlink-gateway.service', 'gridlink-node-red.service'])('%s verifies cleanly', (unit) => {
    const dir = newRoot();
    // The units name /usr/bin/node, as Node.js packages install it; where it lives elsewhere here,
    // the check runs with this machine's node instead.
    let text = readFileSync(join(UNITS, unit), 'utf8');
    if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node', process.execPath);
    // The Node-RED unit runs what its installation adds under /opt; a stand-in file takes its place.
    writeFileSync(join(dir, unit), text);
    const result = spawnSync('systemd-analyze', ['verify', join(dir, unit)], { encoding: 'utf8' });
    const problems = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.includes('/opt/gridlink/node-red/'));
    expect(problems).toEqual([]);
  });

  it('runs the gateway as gridlink, from the installed release, with secrets as credentials', () => {
    const text = readFileSync(join(UNITS, 'gridlink-gateway.service'), 'utf8');
    expect(text).toContain('User=gridlink\n');
    expect(text).toContain(
      'ExecStart=/usr/bin/node /opt/gridlink/gateway/current/gateway/dist/cli/bin.js start --config /etc/gridlink/gateway.yaml\n',
    );
    expect(text).toContain('LoadCredential=uplink-token:/etc/gridlink/secrets/uplink-token\n');
    expect(text).toContain('Environment=GRIDLINK_UPLINK__TOKEN_FILE=%d/uplink-token\n');
    expect(text).toContain('ProtectSystem=strict\n');
    expect(text).toContain('ReadWritePaths=/var/lib/gridlink/gateway\n');
    expect(text).toContain('Restart=always\n');
  });
});
