import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// One global setup for the whole run: it resolves PostgreSQL, Mosquitto and InfluxDB once and
// provides their URLs to every project (projects must not `extends: true`, or it would run per project).
const packages = ['protocol', 'testkit', 'gateway', 'cloud', 'simulators', 'flows', 'scripts', 'deploy'];

// Tests run on the TypeScript sources of the workspace packages (their `gridlink-source` export),
// never on a build in dist/ that may be missing or stale. Tests run in Vite's server environment,
// whose conditions are set apart from the client's.
const resolve = { conditions: ['gridlink-source', ...defaultServerConditions] };
const sources = {
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: ['gridlink-source'] } },
};

export default defineConfig({
  ...sources,
  test: {
    // The services, then the web pages built once (tests start clouds and gateways that serve them).
    globalSetup: [
      './testkit/src/global-setup.ts',
      './cloud/src/web/test-global-setup.ts',
      './gateway/src/console/test-global-setup.ts',
    ],
    reporters: ['default', './testkit/src/summary-reporter.ts'],
    passWithNoTests: true,
    projects: packages.map((name) => ({
      ...sources,
      // Tests start real servers (PostgreSQL databases, PGlite, gateways): on a busy two-core CI
      // machine that can take seconds, so the per-test limit is a safety net, not a speed check.
      test: {
        name,
        root: `./${name}`,
        include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', '*.test.ts'],
        testTimeout: 20_000,
      },
    })),
  },
});
