// Padding layers: ConstantPad1d/2d/3d, ZeroPad1d/2d/3d, ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d (onto F.pad).
import { Tensor } from "../tensor";
import { Module, pyFloat, pyTuple } from "./module";
import { pad } from "./functional";

type PadMode = "constant" | "reflect" | "replicate";

/** padding as PyTorch stores it: an int repeated for both sides of nd dims, or the given (left, right, top, bottom, ...). */
function padTuple(padding: number | number[], nd: number, what: string): number[] {
  if (typeof padding === "number") return new Array(2 * nd).fill(padding);
  if (!Array.isArray(padding) || padding.length !== 2 * nd || padding.some((p) => !Number.isInteger(p)))
    throw new TypeError(`${what}: padding must be an int or a list of ${2 * nd} ints`);
  return [...padding];
}

class _PadNd extends Module {
  padding: number[];
  protected _mode: PadMode = "constant";
  value = 0;
  constructor(padding: number | number[], nd: number) { super(); this.padding = padTuple(padding, nd, this._getName()); }
  forward(x: Tensor): Tensor { return pad(x, this.padding, this._mode === "constant" ? { mode: "constant", value: this.value } : this._mode); }
  extraRepr(): string { return pyTuple(this.padding); }
}
class _ConstantPadNd extends _PadNd {
  constructor(padding: number | number[], value: number, nd: number) { super(padding, nd); this.value = value; }
  extraRepr(): string { return `padding=${pyTuple(this.padding)}, value=${pyFloat(this.value)}`; }
}

/** Pads the last dim of (N, C, W) or (C, W) input with value; padding is an int or (left, right). */
export class ConstantPad1d extends _ConstantPadNd { constructor(padding: number | number[], value: number) { super(padding, value, 1); } }
/** Pads the last two dims with value; padding is an int or (left, right, top, bottom). */
export class ConstantPad2d extends _ConstantPadNd { constructor(padding: number | number[], value: number) { super(padding, value, 2); } }
export class ConstantPad3d extends _ConstantPadNd { constructor(padding: number | number[], value: number) { super(padding, value, 3); } }
/** Zero padding of the last dim. */
export class ZeroPad1d extends ConstantPad1d {
  constructor(padding: number | number[]) { super(padding, 0); }
  extraRepr(): string { return pyTuple(this.padding); }
}
/** Zero padding of the last two dims; padding is an int or (left, right, top, bottom). */
export class ZeroPad2d extends ConstantPad2d {
  constructor(padding: number | number[]) { super(padding, 0); }
  extraRepr(): string { return pyTuple(this.padding); }
}
export class ZeroPad3d extends ConstantPad3d {
  constructor(padding: number | number[]) { super(padding, 0); }
  extraRepr(): string { return pyTuple(this.padding); }
}
/** Reflection padding of the last dim (the border is not repeated). */
export class ReflectionPad1d extends _PadNd { constructor(padding: number | number[]) { super(padding, 1); this._mode = "reflect"; } }
/** Reflection padding of the last two dims; padding is an int or (left, right, top, bottom). */
export class ReflectionPad2d extends _PadNd { constructor(padding: number | number[]) { super(padding, 2); this._mode = "reflect"; } }
export class ReflectionPad3d extends _PadNd { constructor(padding: number | number[]) { super(padding, 3); this._mode = "reflect"; } }
/** Replication padding of the last dim (the border value repeated). */
export class ReplicationPad1d extends _PadNd { constructor(padding: number | number[]) { super(padding, 1); this._mode = "replicate"; } }
/** Replication padding of the last two dims; padding is an int or (left, right, top, bottom). */
export class ReplicationPad2d extends _PadNd { constructor(padding: number | number[]) { super(padding, 2); this._mode = "replicate"; } }
export class ReplicationPad3d extends _PadNd { constructor(padding: number | number[]) { super(padding, 3); this._mode = "replicate"; } }
