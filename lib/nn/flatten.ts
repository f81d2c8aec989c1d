// Flatten and Unflatten.
import { Tensor } from "../tensor";
import { Module, pyTuple } from "./module";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";

/** Flattens dims startDim..endDim into one (torch.nn.Flatten; default keeps the batch dim). */
export class Flatten extends Module {
  startDim: number;
  endDim: number;
  constructor(startDim: number | { startDim?: number; endDim?: number } = 1, endDim = -1) {
    super();
    if (startDim !== null && typeof startDim === "object") { endDim = startDim.endDim ?? -1; startDim = startDim.startDim ?? 1; }
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new TypeError(`Flatten: startDim and endDim must be integers, got ${startDim}, ${endDim}`);
    this.startDim = startDim; this.endDim = endDim;
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Flatten).num(this.startDim).num(this.endDim); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
}
builtin(Flatten);

/** Expands one dim into unflattenedSize (torch.nn.Unflatten). */
export class Unflatten extends Module {
  dim: number;
  unflattenedSize: number[];
  constructor(dim: number, unflattenedSize: number[]) {
    super();
    if (!Array.isArray(unflattenedSize)) throw new TypeError("unflattenedSize must be a list of ints");
    this.dim = dim;
    this.unflattenedSize = [...unflattenedSize];
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Unflatten).num(this.dim).list(this.unflattenedSize); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`; }
}
builtin(Unflatten);
