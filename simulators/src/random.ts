/** A small seeded PRNG (mulberry32) so simulated communities are reproducible run to run. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** A normally distributed value (Box–Muller): sensor noise around a true value. */
export function gaussian(random: Random, mean = 0, sd = 1): number {
  const u = Math.max(random(), Number.EPSILON);
  const v = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** How many events of a Poisson process with this mean fall in one interval. */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(gaussian(random, mean, Math.sqrt(mean))));
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > limit) {
    count++;
    product *= random();
  }
  return count;
}

/** A child generator with its own stream, so one device's draws do not shift another's. */
export function fork(random: Random, salt: string): Random {
  let hash = Math.floor(random() * 0xffffffff);
  for (let i = 0; i < salt.length; i++) hash = Math.imul(hash ^ salt.charCodeAt(i), 0x01000193) >>> 0;
  return seededRandom(hash);
}
