// Dropout layers: active in training mode, the identity in eval mode.
import { Tensor } from "../tensor";
import { Module, pyBool, pyFloat } from "./module";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";

type DropoutArg = number | { p?: number; inplace?: boolean };

class _DropoutNd extends Module {
  p: number;
  inplace: boolean;
  constructor(p: DropoutArg = 0.5, inplace = false) {
    super();
    const o = typeof p === "object" ? p : { p, inplace };
    const pv = o.p ?? 0.5;
    if (pv < 0 || pv > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${pv}`);
    this.p = pv;
    this.inplace = !!o.inplace;
  }
  extraRepr(): string { return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`; }
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p), in training mode. */
export class Dropout extends _DropoutNd {
  _plan(b: PlanBuilder): void { b.num(Kind.Dropout).num(this.p).bool(this.training).bool(this.inplace); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Dropout);

/** Zeroes whole channels of (N, C, L) or (C, L) inputs. */
export class Dropout1d extends _DropoutNd {
  private _batched = true;
  _canPlan(): boolean { return false; }
  _plan(b: PlanBuilder): void { b.num(Kind.FeatureDropout).num(this.p).bool(this.training).bool(this.inplace).bool(this._batched); }
  forward(x: Tensor): Tensor {
    const d = x.dim();
    if (d !== 2 && d !== 3) throw new Error(`dropout1d: Expected 2D or 3D input, but received a ${d}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`);
    this._batched = d === 3;
    return planForward(this, x);
  }
}
builtin(Dropout1d);

/** Zeroes whole channels (feature maps) of (N, C, H, W) inputs. */
export class Dropout2d extends _DropoutNd {
  _plan(b: PlanBuilder): void { b.num(Kind.FeatureDropout).num(this.p).bool(this.training).bool(this.inplace).bool(true); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Dropout2d);

/** Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) inputs. */
export class Dropout3d extends _DropoutNd {
  private _batched = true;
  _canPlan(): boolean { return false; }
  _plan(b: PlanBuilder): void { b.num(Kind.FeatureDropout).num(this.p).bool(this.training).bool(this.inplace).bool(this._batched); }
  forward(x: Tensor): Tensor { this._batched = x.dim() === 5; return planForward(this, x); }
}
builtin(Dropout3d);
