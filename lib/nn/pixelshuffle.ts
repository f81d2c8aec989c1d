// PixelShuffle and PixelUnshuffle: (N, C·r², H, W) <-> (N, C, H·r, W·r).
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { Module } from "./module";

/** Rearranges (*, C·r², H, W) into (*, C, H·r, W·r) (sub-pixel convolution). */
export class PixelShuffle extends Module {
  constructor(public upscaleFactor: number) { super(); }
  forward(x: Tensor): Tensor { return callOp("aten::pixel_shuffle", x, this.upscaleFactor); }
  extraRepr(): string { return `upscale_factor=${this.upscaleFactor}`; }
}
/** The inverse of PixelShuffle: (*, C, H·r, W·r) into (*, C·r², H, W). */
export class PixelUnshuffle extends Module {
  constructor(public downscaleFactor: number) { super(); }
  forward(x: Tensor): Tensor { return callOp("aten::pixel_unshuffle", x, this.downscaleFactor); }
  extraRepr(): string { return `downscale_factor=${this.downscaleFactor}`; }
}
