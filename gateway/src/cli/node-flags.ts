/**
 * V8 flags the gateway runs with (the `gridlink-gateway` shebang passes them; benchmarks use the
 * same). A 2 MB young generation instead of 16 MB keeps a 2,000-device gateway ~40 MB smaller,
 * at no measurable throughput cost (bench/broker-throughput.ts): the broker's hot path is
 * syscalls, not allocation.
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=2'] as const;
