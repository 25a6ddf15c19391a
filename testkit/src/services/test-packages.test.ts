import { describe, expect, it } from 'vitest';
import { installTestPackages, type PackageHost, TEST_PACKAGES } from './test-packages.mjs';

/** Every file a complete Debian test machine has, by package. */
const FILES_OF: Record<string, string[]> = {
  postgresql: ['/usr/lib/postgresql/15/bin/initdb'],
  mosquitto: ['/usr/sbin/mosquitto'],
  influxdb: ['/usr/bin/influxd'],
  chromium: ['/usr/bin/chromium'],
  'fonts-wqy-microhei': ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc'],
  'libxml2-utils': ['/usr/bin/xmllint'],
  faketime: ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'],
  'docker-compose': ['/usr/bin/docker-compose'],
  caddy: ['/usr/bin/caddy'],
  systemd: ['/usr/bin/systemd-analyze'],
  shellcheck: ['/usr/bin/shellcheck'],
  prometheus: ['/usr/bin/promtool'],
};
const ALL = Object.keys(FILES_OF);
/** The deployment checks' tools, present in the cases below that are about the servers and the browser. */
const DEPLOY_TOOLS = ['docker-compose', 'caddy', 'systemd', 'shellcheck', 'prometheus'];

/**
 * An imaginary Debian machine with the given packages, and a stand-in for apt-get: no real install
 * can be repeated in a test, so `apt-get install` here only adds the packages' files, and every
 * command run is recorded.
 */
function machine({
  installed,
  uid = 0,
  env = {},
  sudo = 'none',
  aptExit = 0,
  unavailable = [],
}: {
  installed: string[];
  uid?: number;
  env?: Record<string, string>;
  sudo?: 'none' | 'passwordless' | 'asks for a password';
  aptExit?: number;
  /** Packages this stand-in's archive lacks: an install naming one fails and installs nothing. */
  unavailable?: string[];
}) {
  const files = new Set(['/usr/bin/apt-get', ...installed.flatMap((name) => FILES_OF[name] ?? [])]);
  if (sudo !== 'none') files.add('/usr/bin/sudo');
  const commands: string[] = [];
  const lines: string[] = [];
  const host: PackageHost = {
    uid,
    probe: {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...env },
      isExecutable: (path) => files.has(path),
      exists: (path) => files.has(path),
      listDir: (dir) => [
        ...new Set(
          [...files].filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0] ?? ''),
        ),
      ],
    },
    async run(command, args) {
      commands.push([command, ...args].join(' '));
      if (command === 'sudo' && args.join(' ') === '-n true') return sudo === 'passwordless' ? 0 : 1;
      const apt = args.indexOf('apt-get');
      if (apt === -1) return 127;
      if (aptExit !== 0) return aptExit;
      const install = args.indexOf('install');
      if (install !== -1) {
        const names = args.slice(install + 1).filter((arg) => !arg.startsWith('-'));
        if (names.some((name) => unavailable.includes(name))) return 100;
        for (const name of names) {
          for (const file of FILES_OF[name] ?? []) files.add(file);
        }
      }
      return 0;
    },
    log: (line) => lines.push(line),
  };
  return { host, commands, lines };
}

const APT = 'env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600';

describe('installing the Debian packages the tests need (a stand-in for apt-get)', () => {
  it('knows one list: PostgreSQL, Mosquitto, InfluxDB, Chromium, a CJK font, xmllint, faketime, docker-compose, Caddy, systemd, ShellCheck and Prometheus (promtool)', () => {
    expect(TEST_PACKAGES.map((pkg) => pkg.name)).toEqual(ALL);
  });

  it('does nothing and says so when every package is present', async () => {
    const { host, commands } = machine({ installed: ALL });
    const outcome = await installTestPackages(host);
    expect(outcome).toMatchObject({ status: 'present', missing: [] });
    expect(outcome.message).toBe(`Debian packages present: ${ALL.join(', ')}`);
    expect(commands).toEqual([]);
  });

  it('as root, installs exactly the missing packages with apt-get, saying what and how to refuse', async () => {
    const { host, commands, lines } = machine({
      installed: ['postgresql', 'mosquitto', 'chromium', 'fonts-wqy-microhei', ...DEPLOY_TOOLS],
    });
    const outcome = await installTestPackages(host);
    expect(commands).toEqual([
      `${APT} update -qq`,
      `${APT} install -y -qq --no-install-recommends influxdb libxml2-utils faketime`,
    ]);
    expect(outcome).toEqual({
      status: 'installed',
      missing: [],
      message: 'installed Debian packages influxdb, libxml2-utils, faketime',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[testkit\] installing Debian packages with apt-get: influxdb for .*InfluxDB 1\.x/);
    expect(lines[0]).toContain('set GRIDLINK_TEST_INSTALL=never to refuse');
  });

  it('not root, installs through sudo -n when sudo needs no password', async () => {
    const { host, commands } = machine({
      installed: ALL.filter((name) => name !== 'chromium'),
      uid: 1000,
      sudo: 'passwordless',
    });
    const outcome = await installTestPackages(host);
    expect(commands).toEqual([
      'sudo -n true',
      `sudo -n ${APT} update -qq`,
      `sudo -n ${APT} install -y -qq --no-install-recommends chromium`,
    ]);
    expect(outcome.status).toBe('installed');
  });

  it('GRIDLINK_TEST_INSTALL=never: installs nothing and says what to install', async () => {
    const { host, commands } = machine({
      installed: ['postgresql', ...DEPLOY_TOOLS],
      env: { GRIDLINK_TEST_INSTALL: 'never' },
    });
    const outcome = await installTestPackages(host);
    expect(commands).toEqual([]);
    expect(outcome).toEqual({
      status: 'refused',
      missing: ['mosquitto', 'influxdb', 'chromium', 'fonts-wqy-microhei', 'libxml2-utils', 'faketime'],
      message:
        'missing Debian packages mosquitto, influxdb, chromium, fonts-wqy-microhei, libxml2-utils, faketime; not installed because ' +
        'GRIDLINK_TEST_INSTALL=never: install them yourself (apt-get install mosquitto influxdb chromium fonts-wqy-microhei libxml2-utils faketime)',
    });
  });

  it('not root and sudo asks for a password (or is absent): installs nothing and says why', async () => {
    for (const sudo of ['asks for a password', 'none'] as const) {
      const { host, commands } = machine({ installed: ALL.filter((name) => name !== 'influxdb'), uid: 1000, sudo });
      const outcome = await installTestPackages(host);
      expect(commands).toEqual(sudo === 'none' ? [] : ['sudo -n true']);
      expect(outcome.status).toBe('refused');
      expect(outcome.message).toBe(
        'missing Debian packages influxdb; not installed because this user is not root and sudo -n does not work ' +
          'without a password: install them yourself (apt-get install influxdb)',
      );
    }
  });

  it('reports a failing apt-get with its command and exit code instead of throwing', async () => {
    const { host } = machine({ installed: ALL.filter((name) => name !== 'faketime'), aptExit: 100 });
    const outcome = await installTestPackages(host);
    expect(outcome.status).toBe('refused');
    expect(outcome.message).toContain(`\`${APT} update -qq\` exited with code 100`);
  });

  it('installs the others when apt-get cannot install one, and names the one still missing', async () => {
    const { host, commands } = machine({
      installed: ['postgresql', 'mosquitto', 'fonts-wqy-microhei', ...DEPLOY_TOOLS],
      unavailable: ['chromium'],
    });
    const outcome = await installTestPackages(host);
    const install = `${APT} install -y -qq --no-install-recommends`;
    expect(commands).toEqual([
      `${APT} update -qq`,
      `${install} influxdb chromium libxml2-utils faketime`,
      `${install} influxdb`,
      `${install} chromium`,
      `${install} libxml2-utils`,
      `${install} faketime`,
    ]);
    expect(outcome).toEqual({
      status: 'refused',
      missing: ['chromium'],
      message: `apt-get could not provide chromium: install what provides it yourself (\`${install} chromium\` exited with code 100)`,
    });
  });

  it('leaves out the servers whose URL is given (GRIDLINK_TEST_PG_URL …)', async () => {
    const { host, commands } = machine({
      installed: ['chromium', 'fonts-wqy-microhei', 'libxml2-utils', 'faketime', ...DEPLOY_TOOLS],
      env: {
        GRIDLINK_TEST_PG_URL: 'postgres://u:p@db:5432/postgres',
        GRIDLINK_TEST_MQTT_URL: 'mqtt://broker:1883',
        GRIDLINK_TEST_INFLUX_URL: 'http://influx:8086',
      },
    });
    expect((await installTestPackages(host)).status).toBe('present');
    expect(commands).toEqual([]);
  });

  it('refuses an unknown GRIDLINK_TEST_INSTALL value, naming the ones it takes', async () => {
    const { host } = machine({ installed: ALL, env: { GRIDLINK_TEST_INSTALL: 'no' } });
    await expect(installTestPackages(host)).rejects.toThrow(
      "GRIDLINK_TEST_INSTALL=no is not understood: use 'auto' (the default: install what is missing when allowed) or 'never'",
    );
  });

  it('without apt-get, installs nothing and says so', async () => {
    const { host, commands } = machine({ installed: ALL.filter((name) => name !== 'mosquitto') });
    host.probe = { ...host.probe, isExecutable: (path) => path !== '/usr/bin/apt-get' && host.probe.exists(path) };
    const outcome = await installTestPackages(host);
    expect(commands).toEqual([]);
    expect(outcome.message).toContain('not installed because this system has no apt-get (not Debian or Ubuntu)');
  });
});
