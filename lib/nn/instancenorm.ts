// Instance normalization: InstanceNorm1d/2d/3d (per-sample, per-channel statistics; aten::instance_norm).
import { Tensor } from "../tensor";
import { _BatchNorm, BatchNormArgs, BatchNormOptions } from "./batchnorm";
import { optionsOf } from "./common";
import { instanceNorm } from "./functional";

/** Shared by the InstanceNorm layers (PyTorch's _InstanceNorm): affine and trackRunningStats default to false. */
export class _InstanceNorm extends _BatchNorm {
  /** Spatial dims: 1, 2 or 3. */
  protected _spatial = 1;
  /** Options as an object, or PyTorch's positional order (eps, momentum, affine, trackRunningStats). */
  constructor(numFeatures: number, ...args: BatchNormArgs) {
    const o = optionsOf<BatchNormOptions>("InstanceNorm", ["eps", "momentum", "affine", "trackRunningStats"], args);
    super(numFeatures, { ...o, affine: o?.affine ?? false, trackRunningStats: o?.trackRunningStats ?? false });
  }
  forward(input: Tensor): Tensor {
    const d = input.dim(), s = this._spatial;
    if (d !== s + 1 && d !== s + 2) throw new Error(`expected ${s + 1}D or ${s + 2}D input (got ${d}D input)`);
    const run = (x: Tensor) => instanceNorm(x, { runningMean: this.running_mean, runningVar: this.running_var, weight: this.weight,
      bias: this.bias, useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum ?? 0.1, eps: this.eps });
    if (d === s + 2) return run(input);
    const x = input.unsqueeze(0);
    const y = run(x);
    try { return y.squeeze(0); } finally { x.dispose(); y.dispose(); }
  }
}

/** Instance normalization over (N, C, L) or (C, L) inputs. */
export class InstanceNorm1d extends _InstanceNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._spatial = 1; }
}
/** Instance normalization over (N, C, H, W) or (C, H, W) inputs. */
export class InstanceNorm2d extends _InstanceNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._spatial = 2; }
}
/** Instance normalization over (N, C, D, H, W) or (C, D, H, W) inputs. */
export class InstanceNorm3d extends _InstanceNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._spatial = 3; }
}
