import { defineConfig } from 'vitest/config';

// One global setup for the whole run: it resolves PostgreSQL, Mosquitto and InfluxDB once and
// provides their URLs to every project (projects must not `extends: true`, or it would run per project).
const packages = ['protocol', 'testkit', 'gateway', 'cloud', 'simulators', 'flows', 'scripts'];

export default defineConfig({
  resolve: { conditions: ['gridlink-source'] },
  test: {
    globalSetup: ['./testkit/src/global-setup.ts'],
    reporters: ['default', './testkit/src/summary-reporter.ts'],
    passWithNoTests: true,
    projects: packages.map((name) => ({
      resolve: { conditions: ['gridlink-source'] },
      test: { name, root: `./${name}`, include: ['src/**/*.test.ts', '*.test.ts'] },
    })),
  },
});
