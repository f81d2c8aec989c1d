// torch.Generator: a seeded random-number generator object; same seed => same numbers as Python's.
import { native } from "./native";
import { Tensor } from "./tensor";

export class Generator {
  /** The native at::Generator (an External); operators that take `generator` read it. */
  readonly _gen: any;

  constructor(device: string | { device?: string } = "cpu", _handle?: any) {
    const dev = typeof device === "string" ? device : device?.device ?? "cpu";
    this._gen = _handle ?? native.GeneratorNew(dev);
  }
  /** Sets the seed (a number or a BigInt, as Python's int); returns this for chaining. */
  manualSeed(seed: number | bigint): this {
    native.GeneratorManualSeed(this._gen, typeof seed === "bigint" ? BigInt.asUintN(64, seed) : seed);
    return this;
  }
  /** The seed last set (a number when it fits exactly, else a BigInt). */
  initialSeed(): number | bigint { return bigToNum(native.GeneratorInitialSeed(this._gen)); }
  /** Seeds from a non-deterministic source and returns the seed. */
  seed(): number | bigint { return bigToNum(native.GeneratorSeed(this._gen)); }
  /** The generator's state as a uint8 tensor (restore it with setState). */
  getState(): Tensor { return new Tensor(native.GeneratorGetState(this._gen)); }
  setState(state: Tensor): this { native.GeneratorSetState(this._gen, state); return this; }
  get device(): string { return native.GeneratorDevice(this._gen); }
  toString(): string { return `<torch.Generator device=${this.device}>`; }
}

function bigToNum(b: bigint): number | bigint { return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b; }

/** torch.default_generator: the process-wide CPU generator that torch.manualSeed seeds. */
export const defaultGenerator: Generator = new Generator("cpu", native.GeneratorDefault());

// ---- The generator that random data transforms draw from (null: the global one). ----
let current: Generator | null = null;
/** The generator in effect for random transforms (set by the DataLoader per batch); null means the global one. */
export function currentGenerator(): Generator | null { return current; }
/** Runs fn with random transforms drawing from g (the DataLoader's per-batch seeding uses this). */
export function withGenerator<T>(g: Generator | null, fn: () => T): T {
  const prev = current;
  current = g;
  try { return fn(); } finally { current = prev; }
}
