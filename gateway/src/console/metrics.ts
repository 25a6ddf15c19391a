import { Counter, Gauge, type Registry } from 'prom-client';

export interface ConsoleStats {
  sessions: number;
  streams: number;
  /** Live streams cut for falling behind. */
  streamsCut: number;
  /** Approximate bytes the devices' page history holds (bounded, see DeviceHistory). */
  historyBytes: number;
}

/** The installer console's sessions and live streams (read at scrape time). */
export function consoleMetrics(register: Registry, stats: () => ConsoleStats): void {
  new Gauge({
    name: 'gridlink_console_sessions',
    help: 'Console sign-ins currently open',
    registers: [register],
    collect() {
      this.set(stats().sessions);
    },
  });
  new Gauge({
    name: 'gridlink_console_streams',
    help: 'Console live-update streams currently open',
    registers: [register],
    collect() {
      this.set(stats().streams);
    },
  });
  new Gauge({
    name: 'gridlink_console_history_bytes',
    help: "Approximate bytes held by the devices' recent messages, dead letters and availability changes",
    registers: [register],
    collect() {
      this.set(stats().historyBytes);
    },
  });
  let reported = 0;
  new Counter({
    name: 'gridlink_console_streams_cut_total',
    help: 'Console live-update streams cut because the browser fell behind',
    registers: [register],
    collect() {
      const cut = stats().streamsCut;
      if (cut > reported) this.inc(cut - reported);
      reported = cut;
    },
  });
}
