import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** utime, stime, cutime, cstime (seconds) and the parent of a process, from /proc/<pid>/stat. */
function statOf(pid: number): { ppid: number; own: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, ppid 4, utime 14.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const at = (field: number) => Number(fields[field - 3]);
    return { ppid: at(4), own: (at(14) + at(15)) / TICKS, children: (at(16) + at(17)) / TICKS };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds a PostgreSQL server has used so far: the postmaster's own and its finished
 * children's (backends, autovacuum workers) plus those of its children still running. On a shared
 * machine this stays put when other work slows the clock, so records per CPU-second compare runs.
 */
export function postgresCpuSeconds(dataDirectory: string): number {
  const postmaster = Number.parseInt(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8'), 10);
  const root = statOf(postmaster);
  if (root === undefined) return Number.NaN;
  let total = root.own + root.children;
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const stat = statOf(Number(name));
    if (stat?.ppid === postmaster) total += stat.own;
  }
  return total;
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds a process (another one, by its pid) has used so far; NaN once it is gone. */
export function processCpuSeconds(pid: number): number {
  return statOf(pid)?.own ?? Number.NaN;
}
