/**
 * Skips that cannot hide in CI. A test that needs something this machine may lack (a package, a
 * right, a file outside the repository) skips through `cannotRun` or `skipOrFail`, naming that
 * need. Locally it skips and says why; under `CI=true` the skip is a failure unless the need is on
 * the allow-list below, so the strongest fault tests never silently drop out of CI.
 */

/** What a test may need that a machine may truly lack. */
export type Capability =
  | 'chromium' // Debian's Chromium, for the web pages end to end
  | 'xmllint' // libxml2-utils, for the ONVIF schema validation
  | 'libfaketime' // Debian's faketime, to step a gateway's wall clock
  | 'docker-compose' // Debian's docker-compose, to validate docker-compose.yml (no engine)
  | 'caddy' // Debian's caddy, to check the reverse proxy's Caddyfile
  | 'shellcheck' // Debian's shellcheck, for the deployment scripts
  | 'systemd-analyze' // Debian's systemd, to verify the gateway's units (nothing started)
  | 'promtool' // Debian's prometheus, to check and unit-test the monitoring rules (no server started)
  | 'influxd' // InfluxDB 1.x, for a private server killed mid-run
  | 'tmpfs-mount' // the right to mount a 3 MB tmpfs (root), to fill a disk
  | 'multicast' // a multicast route, for WS-Discovery on 239.255.255.250
  | 'onvif-captures' // real cameras' XML, kept outside the repository (../shared/onvif/captures)
  | 'onvif-schemas'; // the ONVIF WSDL and schemas, kept outside the repository (../shared/onvif/wsdl)

/**
 * What CI machines truly cannot do, each with why. Empty: the CI machine (Debian, root, `.ci/run`
 * installs every package) has all of it. An entry here lets tests needing that capability skip
 * under CI too; write why the machine cannot, e.g.
 *   multicast: 'the CI containers run with a network namespace without a multicast route',
 */
export const CI_ALLOWED_SKIPS: Readonly<Partial<Record<Capability, string>>> = {};

type Env = Readonly<Record<string, string | undefined>>;

/** `CI=true` (or any value but empty, 0 and false), as CI services set it and `.ci/run` does. */
export function underCi(env: Env = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

function refusal(capability: Capability, reason: string): Error {
  return new Error(
    `CI=true: this test may not skip (${reason}). Give the CI machine '${capability}', or, if it truly ` +
      `cannot have it, add '${capability}' with why to CI_ALLOWED_SKIPS in testkit/src/skips.ts.`,
  );
}

/**
 * For `describe.skipIf` / `it.skipIf`: true when the test cannot run here because `missing` (a
 * reason; empty, null or false when nothing is missing). Under CI, throws instead unless
 * `capability` is allow-listed, so the file fails to load and the run fails naming the reason.
 */
export function cannotRun(
  capability: Capability,
  missing: string | null | undefined | false,
  { env = process.env, allowed = CI_ALLOWED_SKIPS }: { env?: Env; allowed?: typeof CI_ALLOWED_SKIPS } = {},
): boolean {
  if (!missing) return false;
  if (underCi(env) && allowed[capability] === undefined) throw refusal(capability, missing);
  return true;
}

/** For a test that finds out only while running: skips it with `reason`, or under CI fails it (see `cannotRun`). */
export function skipOrFail(
  context: { skip(note?: string): never },
  capability: Capability,
  reason: string,
  options: { env?: Env; allowed?: typeof CI_ALLOWED_SKIPS } = {},
): never {
  cannotRun(capability, reason, options);
  return context.skip(reason);
}
