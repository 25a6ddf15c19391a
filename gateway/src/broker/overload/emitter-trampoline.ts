/**
 * Breaks the recursive drain of aedes' message emitter (mqemitter 7.1.0, bundled with aedes 1.2.0).
 *
 * aedes routes every PUBLISH through `aedes.mq`, an mqemitter with `concurrency: 100`
 * (aedes.js:12, aedes.js:66-69). When 100 emissions are in flight, further ones wait in
 * `mq._messageQueue` (mqemitter.js:107-113). Each finished emission calls `released`
 * (mqemitter.js:41-52), which takes the next queued message and calls `this._do(...)` *synchronously*.
 * If that message matches no listener (its subscriber just left), fastparallel completes it
 * synchronously as well (fastparallel/parallel.js:24-26: `done.call(that); released(holder)`), so
 * `released -> _do -> _parallel -> released -> ...` recurses once per queued message. A backlog of
 * a couple of thousand messages overflows the stack: `RangeError: Maximum call stack size exceeded`
 * thrown from a setImmediate callback, i.e. an uncaught exception that ends the process
 * (upstream: moscajs/aedes#193, mcollina/mqemitter#204, still open).
 *
 * The fix turns that recursion into a loop: `_do` re-entered while another `_do` is on the stack is
 * queued (FIFO, so delivery order is unchanged) and run by the outermost `_do` right after its own
 * message, still synchronously and in the same tick. The slot accounting (`current`, `_doing`) is
 * taken at deferral time so that mqemitter sees exactly the state it would have seen without us.
 *
 * `released` is a closure inside mqemitter, so the only seam is the instance's `_do`, which `released`
 * looks up on `this` at every call. That is a private API: `assertEmitterInternals` checks its shape and
 * `hardenAgainstOverload` refuses to start unless aedes is 1.2.x.
 */

export interface EmitterInternals {
  current: number;
  concurrency: number;
  _doing: boolean;
  _messageQueue: unknown[];
  _do(message: unknown, callback: unknown): unknown;
}

export interface TrampolineStats {
  /** Re-entrant `_do` calls that were turned into loop iterations (each one a stack frame saved). */
  deferred: number;
  /** The deepest chain that was flattened in one go: how deep the stack would have grown. */
  longestChain: number;
}

const PATCHED = Symbol.for('gridlink.overload.emitterTrampoline');

export function assertEmitterInternals(mq: unknown): asserts mq is EmitterInternals {
  const candidate = mq as Partial<EmitterInternals> | null | undefined;
  const ok =
    !!candidate &&
    typeof candidate._do === 'function' &&
    typeof candidate.current === 'number' &&
    typeof candidate.concurrency === 'number' &&
    Array.isArray(candidate._messageQueue);
  if (!ok) {
    throw new Error(
      'overload guard: aedes.mq is not the mqemitter 7.x this guard was written for (no _do/current/_messageQueue); ' +
        'the recursive-drain fix cannot be applied',
    );
  }
}

/** Patches `mq._do` in place (idempotent) and returns live statistics. */
export function trampolineEmitterDrain(mq: unknown): TrampolineStats {
  assertEmitterInternals(mq);
  const existing = (mq as unknown as Record<symbol, TrampolineStats | undefined>)[PATCHED];
  if (existing) return existing;

  const stats: TrampolineStats = { deferred: 0, longestChain: 0 };
  const doOnce = mq._do;
  // Flat FIFO of (message, callback) pairs; `head` avoids O(n) shifts on long chains.
  let pending: unknown[] = [];
  let head = 0;
  let active = false;

  const runPending = (self: EmitterInternals) => {
    let chain = 0;
    while (head < pending.length) {
      const message = pending[head];
      const callback = pending[head + 1];
      pending[head] = undefined;
      pending[head + 1] = undefined;
      head += 2;
      chain++;
      // Give back the slot reserved at deferral time; the original `_do` takes it again.
      self.current--;
      doOnce.call(self, message, callback);
    }
    pending = [];
    head = 0;
    if (chain > stats.longestChain) stats.longestChain = chain;
  };

  const resume = (self: EmitterInternals) => {
    if (active || head >= pending.length) return;
    active = true;
    try {
      runPending(self);
    } finally {
      active = false;
      if (head < pending.length) setImmediate(resume, self);
    }
  };

  mq._do = function trampolinedDo(this: EmitterInternals, message: unknown, callback: unknown) {
    if (active) {
      // Re-entered from `released` (or from a listener that emits synchronously): queue it behind
      // whatever is already waiting and reserve its slot now, exactly as the synchronous call would.
      this.current++;
      this._doing = true;
      pending.push(message, callback);
      stats.deferred++;
      return this;
    }
    active = true;
    try {
      doOnce.call(this, message, callback);
      runPending(this);
    } finally {
      active = false;
      // Only reached with work left if a listener threw: keep draining on the next turn so the
      // reserved slots are not leaked, then let the exception propagate as it would have.
      if (head < pending.length) setImmediate(resume, this);
    }
    return this;
  };
  Object.defineProperty(mq, PATCHED, { value: stats, enumerable: false });
  return stats;
}
