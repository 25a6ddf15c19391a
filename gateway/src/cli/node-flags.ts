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
 * Once the broker bounded the packets it handles at once (broker/overload/inbound-admission.ts)
 * that garbage was most of a flood's peak, and growing by 20% at most brought it under the 150 MB
 * target (peak ~138 MiB instead of ~155–161 MiB).
 */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=20'] as const;

/**
 * The C library's settings the gateway runs with (the shebang sets them too). A device's first
 * login checks its password with scrypt, which takes 16 MiB for a moment on a libuv thread. glibc
 * raises its mmap threshold each time such a block is freed, so later ones come from the threads'
 * heaps and stay in the RSS after they are freed (~20 MiB at 2,000 devices). A fixed threshold
 * keeps large blocks mapped and returns them to the system when freed.
 */
export const GATEWAY_NODE_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;
