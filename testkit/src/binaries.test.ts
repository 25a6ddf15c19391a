import { describe, expect, it } from 'vitest';
import { type FileProbe, findInfluxd, findMosquitto, findPostgresBinDir } from './services/binaries.js';

/** An imaginary file system: the listed paths are executables, `links` are symlinks. */
function probe(executables: string[], links: Record<string, string> = {}): FileProbe {
  const files = new Set(executables);
  return {
    isExecutable: (path) => files.has(path) || (links[path] !== undefined && files.has(links[path])),
    listDir: (dir) => {
      const prefix = `${dir}/`;
      const children = [...files].filter((f) => f.startsWith(prefix));
      return [...new Set(children.map((f) => f.slice(prefix.length).split('/')[0] ?? ''))];
    },
    realpath: (path) => links[path] ?? path,
  };
}

const pgTools = (dir: string) => [`${dir}/initdb`, `${dir}/pg_ctl`];

describe('findPostgresBinDir()', () => {
  it('follows initdb on the PATH to the directory that also holds pg_ctl', () => {
    const fs = probe(pgTools('/usr/lib/postgresql/15/bin'), {
      '/usr/local/bin/initdb': '/usr/lib/postgresql/15/bin/initdb',
    });
    expect(findPostgresBinDir({ env: { PATH: '/usr/local/bin:/usr/bin' }, probe: fs })).toBe(
      '/usr/lib/postgresql/15/bin',
    );
  });

  it('otherwise picks the newest complete Debian version', () => {
    const fs = probe([
      ...pgTools('/usr/lib/postgresql/9.6/bin'),
      ...pgTools('/usr/lib/postgresql/10/bin'),
      ...pgTools('/usr/lib/postgresql/15/bin'),
      '/usr/lib/postgresql/16/bin/psql', // client-only install: no initdb
    ]);
    expect(findPostgresBinDir({ env: { PATH: '/usr/bin' }, probe: fs })).toBe('/usr/lib/postgresql/15/bin');
  });

  it('returns null when PostgreSQL is not installed', () => {
    expect(findPostgresBinDir({ env: { PATH: '/usr/bin' }, probe: probe([]) })).toBeNull();
  });
});

describe('findMosquitto() and findInfluxd()', () => {
  it('prefer the PATH', () => {
    const fs = probe(['/opt/mq/mosquitto', '/usr/sbin/mosquitto']);
    expect(findMosquitto({ env: { PATH: '/opt/mq' }, probe: fs })).toBe('/opt/mq/mosquitto');
  });

  it('look in the Debian directories a non-root PATH may lack', () => {
    const fs = probe(['/usr/sbin/mosquitto', '/usr/bin/influxd']);
    expect(findMosquitto({ env: { PATH: '/nowhere' }, probe: fs })).toBe('/usr/sbin/mosquitto');
    expect(findInfluxd({ env: { PATH: '/nowhere' }, probe: fs })).toBe('/usr/bin/influxd');
  });

  it('return null when the binary is absent', () => {
    expect(findInfluxd({ env: { PATH: '/nowhere' }, probe: probe([]) })).toBeNull();
  });
});
