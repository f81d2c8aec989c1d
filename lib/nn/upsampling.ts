// Upsampling layers: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (onto functional.interpolate).
import { Tensor } from "../tensor";
import { Module, pyFloat, pyTuple } from "./module";
import { interpolate, InterpolateMode } from "./functional";
import { optionsOf } from "./common";

export interface UpsampleOptions {
  size?: number | number[] | null;
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/** Resizes (N, C, ...) input by size or scaleFactor (torch.nn.Upsample); see functional.interpolate for the modes. */
export class Upsample extends Module {
  size: number | number[] | null;
  scaleFactor: number | number[] | null;
  mode: InterpolateMode;
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;
  /** new Upsample({ scaleFactor: 2, mode }), or PyTorch's positional order (size, scaleFactor, mode, alignCorners, recomputeScaleFactor). */
  constructor(...args: [opts?: UpsampleOptions] | [size?: number | number[] | null, scaleFactor?: number | number[] | null, mode?: InterpolateMode,
    alignCorners?: boolean | null, recomputeScaleFactor?: boolean | null]) {
    super();
    const opts = optionsOf<UpsampleOptions>("Upsample", ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor"], args);
    this.size = opts?.size ?? null;
    const sf = opts?.scaleFactor;
    this.scaleFactor = Array.isArray(sf) ? [...sf] : sf ? sf : null;
    this.mode = opts?.mode ?? "nearest";
    this.alignCorners = opts?.alignCorners ?? null;
    this.recomputeScaleFactor = opts?.recomputeScaleFactor ?? null;
  }
  forward(input: Tensor): Tensor {
    return interpolate(input, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners,
      recomputeScaleFactor: this.recomputeScaleFactor });
  }
  extraRepr(): string {
    const info = this.scaleFactor !== null
      ? "scale_factor=" + (Array.isArray(this.scaleFactor) ? `(${this.scaleFactor.map(pyFloat).join(", ")}${this.scaleFactor.length === 1 ? "," : ""})` : pyFloat(this.scaleFactor))
      : "size=" + (this.size === null ? "None" : pyTuple(this.size));
    return `${info}, mode=${this.mode}`;
  }
}

/** 2-D nearest-neighbour upsampling (deprecated in PyTorch in favour of interpolate). */
export class UpsamplingNearest2d extends Upsample {
  constructor(opts?: { size?: number | number[] | null; scaleFactor?: number | number[] | null }) {
    super({ size: opts?.size, scaleFactor: opts?.scaleFactor, mode: "nearest" });
  }
}

/** 2-D bilinear upsampling with alignCorners (deprecated in PyTorch in favour of interpolate). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(opts?: { size?: number | number[] | null; scaleFactor?: number | number[] | null }) {
    super({ size: opts?.size, scaleFactor: opts?.scaleFactor, mode: "bilinear", alignCorners: true });
  }
}
