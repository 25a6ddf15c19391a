// @ts-check
/**
 * The Debian packages the tests run against, and the one installer that provides them. Both the
 * vitest global setup (before it looks for services) and `.ci/run` (before `npm ci`, so before any
 * dependency exists) use it, hence plain JavaScript that node runs by itself:
 *
 *   node testkit/src/services/test-packages.mjs
 *
 * Where a package is missing and this user may install packages (root, or `sudo -n` without a
 * password) on a system with apt-get, it installs it, saying so; `GRIDLINK_TEST_INSTALL=never`
 * refuses. Otherwise it explains what to install, and the caller decides what that means.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {object} PackageProbe The few questions asked of this machine; injectable for tests.
 * @property {(path: string) => boolean} isExecutable
 * @property {(path: string) => boolean} exists
 * @property {(path: string) => string[]} listDir
 * @property {Readonly<Record<string, string | undefined>>} env
 */

/**
 * @typedef {object} TestPackage
 * @property {string} name The Debian package.
 * @property {string} neededFor What the tests use it for, for the log line.
 * @property {string} [unneededWith] An env var that, when set, provides the service instead.
 * @property {(probe: PackageProbe) => boolean} present
 */

/**
 * @param {PackageProbe} probe
 * @param {string} name
 * @param {readonly string[]} extraDirs Searched after the PATH (sbin dirs are often missing from it).
 */
function onPath(probe, name, extraDirs = []) {
  const dirs = (probe.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  return [...dirs, ...extraDirs].some((dir) => probe.isExecutable(join(dir, name)));
}

/** @type {readonly TestPackage[]} */
export const TEST_PACKAGES = [
  {
    name: 'postgresql',
    neededFor: 'throwaway PostgreSQL servers (initdb, pg_ctl)',
    unneededWith: 'GRIDLINK_TEST_PG_URL',
    // Debian keeps initdb off the PATH, in /usr/lib/postgresql/<version>/bin.
    present: (probe) =>
      onPath(probe, 'initdb') ||
      probe
        .listDir('/usr/lib/postgresql')
        .some((version) => probe.isExecutable(`/usr/lib/postgresql/${version}/bin/initdb`)),
  },
  {
    name: 'mosquitto',
    neededFor: 'a throwaway Mosquitto broker',
    unneededWith: 'GRIDLINK_TEST_MQTT_URL',
    present: (probe) => onPath(probe, 'mosquitto', ['/usr/sbin', '/usr/local/sbin']),
  },
  {
    name: 'influxdb',
    neededFor: 'throwaway InfluxDB 1.x servers (influxd)',
    unneededWith: 'GRIDLINK_TEST_INFLUX_URL',
    present: (probe) => onPath(probe, 'influxd', ['/usr/bin', '/usr/local/bin']),
  },
  {
    name: 'chromium',
    neededFor: "the web pages' tests in a real browser",
    present: (probe) => probe.isExecutable(probe.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium'),
  },
  {
    name: 'fonts-wqy-microhei',
    neededFor: "the pages' screenshots in Chinese (a CJK font; without one Chromium draws boxes)",
    // Any CJK font will do: WenQuanYi's or Noto's, as Debian installs them.
    present: (probe) =>
      probe.exists('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc') ||
      probe.listDir('/usr/share/fonts/opentype/noto').some((file) => file.includes('CJK')),
  },
  {
    name: 'libxml2-utils',
    neededFor: 'validating the ONVIF simulator against the ONVIF schemas (xmllint)',
    present: (probe) => onPath(probe, 'xmllint', ['/usr/bin', '/usr/local/bin']),
  },
  {
    name: 'faketime',
    neededFor: "stepping a gateway's wall clock (libfaketime)",
    present: (probe) =>
      probe
        .listDir('/usr/lib')
        .some((dir) => dir.endsWith('-linux-gnu') && probe.exists(`/usr/lib/${dir}/faketime/libfaketime.so.1`)),
  },
  {
    name: 'docker-compose',
    neededFor: 'validating docker-compose.yml with each profile (docker-compose config; no engine needed)',
    present: (probe) => onPath(probe, 'docker-compose', ['/usr/bin', '/usr/local/bin']),
  },
  {
    name: 'caddy',
    neededFor: "checking the cloud's reverse proxy configuration (caddy adapt; no server started)",
    present: (probe) => onPath(probe, 'caddy', ['/usr/bin', '/usr/local/bin']),
  },
  {
    name: 'systemd',
    neededFor: "checking the gateway's systemd units (systemd-analyze verify; nothing is started)",
    present: (probe) => onPath(probe, 'systemd-analyze', ['/usr/bin', '/bin']),
  },
  {
    name: 'shellcheck',
    neededFor: 'checking the deployment shell scripts',
    present: (probe) => onPath(probe, 'shellcheck', ['/usr/bin', '/usr/local/bin']),
  },
  {
    name: 'prometheus',
    neededFor: 'checking the monitoring configuration and unit-testing its alerts (promtool; no server started)',
    present: (probe) => onPath(probe, 'promtool', ['/usr/bin', '/usr/local/bin']),
  },
];

export const INSTALL_ENV = 'GRIDLINK_TEST_INSTALL';
const REFUSE_HINT = `set ${INSTALL_ENV}=never to refuse`;

/**
 * @typedef {object} PackageHost What the installer may do on this machine; injectable for tests.
 * @property {PackageProbe} probe
 * @property {number} uid
 * @property {(command: string, args: readonly string[]) => Promise<number>} run Runs a command with
 *   its output shown; resolves to its exit code (127 when it cannot be started).
 * @property {(line: string) => void} log
 */

/**
 * @typedef {object} InstallOutcome
 * @property {'present' | 'installed' | 'refused'} status
 * @property {string[]} missing Packages still missing afterwards.
 * @property {string} message What was done, or why nothing was and what to do instead.
 */

/**
 * @param {readonly TestPackage[]} packages
 * @param {PackageProbe} probe
 */
export function missingPackages(packages, probe) {
  return packages.filter((pkg) => !pkg.present(probe)).map((pkg) => pkg.name);
}

/**
 * An apt-get command, run as root directly or through `sudo -n`.
 * @param {readonly string[]} args
 * @param {boolean} viaSudo
 * @returns {string[]}
 */
export function aptCommand(args, viaSudo) {
  // Another install holding the dpkg lock (a parallel test run) is waited for, not failed on.
  const apt = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-o', 'DPkg::Lock::Timeout=600'];
  return [...(viaSudo ? ['sudo', '-n'] : []), ...apt, ...args];
}

/** @param {readonly string[]} packages */
const installArgs = (packages) => ['install', '-y', '-qq', '--no-install-recommends', ...packages];

/** @param {string} value */
function installMode(value) {
  const mode = (value ?? '').trim().toLowerCase();
  if (mode === '' || mode === 'auto') return 'auto';
  if (mode === 'never') return 'never';
  throw new Error(
    `${INSTALL_ENV}=${value} is not understood: use 'auto' (the default: install what is missing when allowed) or 'never'`,
  );
}

/**
 * Installs the test packages this machine lacks, when it may. Never throws for a package it could
 * not install (services can still come from env URLs or containers): the outcome says why.
 * @param {PackageHost} host
 * @param {readonly TestPackage[]} allPackages
 * @returns {Promise<InstallOutcome>}
 */
export async function installTestPackages(host, allPackages = TEST_PACKAGES) {
  const { probe, log } = host;
  const mode = installMode(probe.env[INSTALL_ENV] ?? '');
  const packages = allPackages.filter((pkg) => !(pkg.unneededWith && probe.env[pkg.unneededWith]?.trim()));
  const missing = missingPackages(packages, probe);
  if (missing.length === 0) {
    return {
      status: 'present',
      missing,
      message: `Debian packages present: ${packages.map((p) => p.name).join(', ')}`,
    };
  }
  const byYourself = `install them yourself (apt-get install ${missing.join(' ')})`;
  const refused = (/** @type {string} */ why) => ({
    status: /** @type {const} */ ('refused'),
    missing,
    message: `missing Debian packages ${missing.join(', ')}; not installed because ${why}: ${byYourself}`,
  });

  if (mode === 'never') return refused(`${INSTALL_ENV}=never`);
  if (!onPath(probe, 'apt-get', ['/usr/bin'])) return refused('this system has no apt-get (not Debian or Ubuntu)');
  let viaSudo = false;
  if (host.uid !== 0) {
    const sudoWorks = onPath(probe, 'sudo', ['/usr/bin']) && (await host.run('sudo', ['-n', 'true'])) === 0;
    if (!sudoWorks) return refused('this user is not root and sudo -n does not work without a password');
    viaSudo = true;
  }

  const why = packages
    .filter((pkg) => missing.includes(pkg.name))
    .map((pkg) => `${pkg.name} for ${pkg.neededFor}`)
    .join('; ');
  log(`[testkit] installing Debian packages with apt-get${viaSudo ? ' (via sudo -n)' : ''}: ${why} (${REFUSE_HINT})`);
  /** @param {readonly string[]} args */
  const apt = async (args) => {
    const [command, ...rest] = aptCommand(args, viaSudo);
    const code = await host.run(/** @type {string} */ (command), rest);
    return code === 0 ? null : `\`${[command, ...rest].join(' ')}\` exited with code ${code}`;
  };
  const updateFailed = await apt(['update', '-qq']);
  if (updateFailed) return refused(updateFailed);
  // A package this release lacks (a name differs on some distributions) must not keep the others out.
  /** @type {string[]} */
  const failures = [];
  const together = await apt(installArgs(missing));
  if (together !== null && missing.length === 1) failures.push(together);
  else if (together !== null) {
    for (const name of missing) {
      const failed = await apt(installArgs([name]));
      if (failed) failures.push(failed);
    }
  }
  const stillMissing = missingPackages(packages, probe);
  if (stillMissing.length > 0) {
    return {
      status: 'refused',
      missing: stillMissing,
      message:
        `apt-get could not provide ${stillMissing.join(', ')}: install what provides ` +
        `${stillMissing.length === 1 ? 'it' : 'them'} yourself` +
        (failures.length > 0 ? ` (${failures.join('; ')})` : ''),
    };
  }
  return { status: 'installed', missing: [], message: `installed Debian packages ${missing.join(', ')}` };
}

// --- this machine ---------------------------------------------------------------------------------

/** @type {Omit<PackageProbe, 'env'>} */
const realFiles = {
  isExecutable(path) {
    try {
      if (!statSync(path).isFile()) return false;
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  exists: (path) => existsSync(path),
  listDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  },
};

/**
 * This machine, with apt-get's output shown on stderr (stdout may be a test reporter's).
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {PackageHost}
 */
export function realPackageHost(env = process.env) {
  return {
    probe: { ...realFiles, env },
    uid: process.getuid?.() ?? -1,
    run: (command, args) =>
      new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ['ignore', 2, 2] });
        child.once('error', () => resolve(127));
        child.once('close', (code) => resolve(code ?? 1));
      }),
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

// Run by itself (`.ci/run`): install what is missing, exit 1 if something still is.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const host = realPackageHost();
  try {
    const outcome = await installTestPackages(host);
    host.log(`[testkit] ${outcome.message}`);
    process.exitCode = outcome.status === 'refused' ? 1 : 0;
  } catch (error) {
    host.log(`[testkit] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
