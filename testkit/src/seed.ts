import { randomInt } from 'node:crypto';

export const SEED_ENV = 'GRIDLINK_TEST_SEED';

/**
 * The seed for a test's random choices: `GRIDLINK_TEST_SEED` when set (to replay a failed run),
 * otherwise a fresh one. Either way it is printed, so a failure can be replayed with it.
 */
export function testSeed(
  what: string,
  {
    env = process.env,
    log = (line) => process.stderr.write(`${line}\n`),
  }: { env?: Readonly<Record<string, string | undefined>>; log?: (line: string) => void } = {},
): number {
  const given = env[SEED_ENV]?.trim();
  let seed: number;
  if (given) {
    seed = Number(given);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new Error(`${SEED_ENV}=${given} is not a seed: use a whole number from 0 to 4294967295`);
    }
  } else {
    seed = randomInt(0, 0xffff_ffff);
  }
  log(`[seed] ${what}: ${seed} (replay with ${SEED_ENV}=${seed})`);
  return seed;
}
