/**
 * V8 flags the gateway runs with (the `gridlink-gateway` shebang passes them; benchmarks use the
 * same). A 2 MB young generation instead of 16 MB keeps a 2,000-device gateway ~40 MB smaller,
 * at no measurable throughput cost (bench/broker-throughput.ts): the broker's hot path is
 * syscalls, not allocation.
 *
 * With so small a young generation a flood's short-lived packets are promoted and die in the old
 * generation, which V8 lets grow to up to 4x the live heap before collecting it (and the Buffers
 * those dead packets hold stay allocated meanwhile). Growing it by 50% at most cuts the RSS a
 * flood adds to a third (bench/broker-flood-memory.ts: peak ~180 MiB instead of ~265 MiB at
 * 2,000 devices) without measurable throughput cost. Larger young
 * generations did worse there; `--optimize-for-size` did about as well but halved QoS0 throughput.
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=50'] as const;
