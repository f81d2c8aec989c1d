// The generator that torch's random functions draw from when none is given: libtorch's global one, except in a
// DataLoader worker thread, which has its own (seeded base_seed + worker id, as PyTorch seeds a worker process).
// Worker threads share the process's global generator, so without this their draws would interleave at random.
let threadGen: any = null;
/** @internal set by the DataLoader worker thread */
export function _setThreadGenerator(g: any): void { threadGen = g; }
/** @internal `{ generator }` for a random op: the given one, else this thread's own, else nothing (the global one). */
export function rngKw(g?: any): { generator?: any } {
  const x = g ?? threadGen;
  return x ? { generator: x } : {};
}
