// FakeData: random images that are the same for an index on every run (torchvision.datasets.FakeData).
import { Tensor, randn, randint } from "../../tensor";
import { Generator } from "../../generator";
import { tidy } from "../../memory";
import { Dataset } from "../../data/dataset";
import { applyTransform, functional as F, TransformLike } from "../transforms";

export interface FakeDataOptions {
  /** Number of items (default 1000). */
  size?: number;
  /** [C, H, W] (default [3, 224, 224]). */
  imageSize?: [number, number, number];
  numClasses?: number;
  transform?: TransformLike | null;
  targetTransform?: TransformLike | null;
  /** Added to the index to seed an item (default 0). */
  randomOffset?: number;
}

/**
 * Item i: torch.randn(imageSize) and a target in [0, numClasses) drawn from a generator seeded i + randomOffset
 * (the global generator is left alone, as torchvision restores it), as an HWCImage (floats * 255 cast to uint8,
 * as ToPILImage does), then `transform`. Same numbers as torchvision's FakeData.
 */
export class FakeData extends Dataset<[any, any]> {
  readonly size: number;
  readonly imageSize: [number, number, number];
  readonly numClasses: number;
  readonly randomOffset: number;
  transform: TransformLike | null;
  targetTransform: TransformLike | null;
  constructor(opts: FakeDataOptions = {}) {
    super();
    this.size = opts.size ?? 1000;
    this.imageSize = opts.imageSize ?? [3, 224, 224];
    this.numClasses = opts.numClasses ?? 10;
    this.randomOffset = opts.randomOffset ?? 0;
    this.transform = opts.transform ?? null;
    this.targetTransform = opts.targetTransform ?? null;
  }
  get length(): number { return this.size; }
  getItem(index: number): [any, any] {
    if (!Number.isInteger(index) || index >= this.size) throw new RangeError(`FakeData index out of range`);
    const g = new Generator().manualSeed(index + this.randomOffset);
    const [img, target] = tidy(() => {
      const x = randn(this.imageSize, { generator: g });
      const t: Tensor = randint(0, this.numClasses, [1], { generator: g });
      return [F.toPILImage(x), t.item()] as [Tensor, number];
    });
    let out: any = img;
    if (this.transform) { out = applyTransform(this.transform, img); if (out !== img) img.dispose(); }
    return [out, this.targetTransform ? applyTransform(this.targetTransform, target) : target];
  }
}
