// VGG 11/13/16/19, with or without batch norm (torchvision.models.vgg).
import { Tensor } from "../../tensor";
import { tidy } from "../../memory";
import * as nn from "../../nn";
import { chain, applyWeights, numClassesFor, WeightsOptions } from "./_utils";

export interface VGGOptions {
  numClasses?: number;
  /** Apply torchvision's initialisation (default true; builders skip it when loading weights, as torchvision). */
  initWeights?: boolean;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
}

/** VGG (torchvision.models.VGG): features, 7×7 adaptive average pool, three-layer classifier. */
export class VGG extends nn.Module {
  declare features: nn.Module;
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare classifier: nn.Module;
  constructor(features: nn.Module, opts: VGGOptions = {}) {
    super();
    const dropout = opts.dropout ?? 0.5;
    this.features = features;
    this.avgpool = new nn.AdaptiveAvgPool2d([7, 7]);
    this.classifier = new nn.Sequential(
      new nn.Linear(512 * 7 * 7, 4096),
      new nn.ReLU(true),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, 4096),
      new nn.ReLU(true),
      new nn.Dropout({ p: dropout }),
      new nn.Linear(4096, numClassesFor(opts, "VGG")),
    );
    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof nn.Conv2d) {
          nn.init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
          if (m.bias) nn.init.constant_(m.bias, 0);
        } else if (m instanceof nn.BatchNorm2d) {
          nn.init.constant_(m.weight!, 1);
          nn.init.constant_(m.bias!, 0);
        } else if (m instanceof nn.Linear) {
          nn.init.normal_(m.weight, 0, 0.01);
          nn.init.constant_(m.bias!, 0);
        }
      }
    }
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = chain(x, [this.features, this.avgpool]);
      return this.classifier.forward(y.flatten(1));
    });
  }
}

export type VGGConfig = (number | "M")[];
/** torchvision's cfgs: "A" (VGG-11), "B" (13), "D" (16), "E" (19). */
export const vggCfgs: Record<"A" | "B" | "D" | "E", VGGConfig> = {
  A: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  B: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  D: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  E: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
};

/** The features Sequential for a config (torchvision.models.vgg.make_layers). */
export function makeLayers(cfg: VGGConfig, batchNorm = false): nn.Sequential {
  const layers: nn.Module[] = [];
  let inChannels = 3;
  for (const v of cfg) {
    if (v === "M") { layers.push(new nn.MaxPool2d(2, { stride: 2 })); continue; }
    const conv = new nn.Conv2d(inChannels, v, 3, { padding: 1 });
    if (batchNorm) layers.push(conv, new nn.BatchNorm2d(v), new nn.ReLU({ inplace: true }));
    else layers.push(conv, new nn.ReLU({ inplace: true }));
    inChannels = v;
  }
  return new nn.Sequential(...layers);
}

export interface VGGBuilderOptions extends WeightsOptions, VGGOptions {}

function vgg(name: string, cfg: keyof typeof vggCfgs, batchNorm: boolean, o: VGGBuilderOptions): VGG {
  const pretrained = (o.weights ?? (o.download ? "DEFAULT" : null)) !== null;
  const model = new VGG(makeLayers(vggCfgs[cfg], batchNorm), { ...o, initWeights: pretrained ? false : o.initWeights });
  return applyWeights(model, name, o);
}

/** VGG-11 (torchvision.models.vgg11). */
export function vgg11(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg11", "A", false, opts); }
/** VGG-11 with batch norm (torchvision.models.vgg11_bn). */
export function vgg11Bn(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg11Bn", "A", true, opts); }
/** VGG-13 (torchvision.models.vgg13). */
export function vgg13(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg13", "B", false, opts); }
/** VGG-13 with batch norm (torchvision.models.vgg13_bn). */
export function vgg13Bn(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg13Bn", "B", true, opts); }
/** VGG-16 (torchvision.models.vgg16); weights: a torchvision .pth path, "DEFAULT"/"IMAGENET1K_V1" or a URL. */
export function vgg16(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg16", "D", false, opts); }
/** VGG-16 with batch norm (torchvision.models.vgg16_bn). */
export function vgg16Bn(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg16Bn", "D", true, opts); }
/** VGG-19 (torchvision.models.vgg19). */
export function vgg19(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg19", "E", false, opts); }
/** VGG-19 with batch norm (torchvision.models.vgg19_bn). */
export function vgg19Bn(opts: VGGBuilderOptions = {}): VGG { return vgg("vgg19Bn", "E", true, opts); }
