// EfficientNet B0-B7 and V2 S/M/L (torchvision.models.efficientnet): MBConv and FusedMBConv blocks with
// squeeze-excitation, SiLU and stochastic depth.
import { Tensor } from "../../tensor";
import { tidy } from "../../memory";
import * as nn from "../../nn";
import {
  chain, applyWeights, numClassesFor, makeDivisible, WeightsOptions, LayerFactory, Conv2dNormActivation,
  SqueezeExcitation, StochasticDepth,
} from "./_utils";

/** One stage of an EfficientNet: expansion, kernel, stride, channels, repeats and block kind. */
export class MBConvConfig {
  constructor(
    public expandRatio: number, public kernel: number, public stride: number, public inputChannels: number,
    public outChannels: number, public numLayers: number, public block: "MBConv" | "FusedMBConv" = "MBConv",
  ) {}
  static adjustChannels(channels: number, widthMult: number, minValue?: number | null): number {
    return makeDivisible(channels * widthMult, 8, minValue);
  }
  static adjustDepth(numLayers: number, depthMult: number): number { return Math.ceil(numLayers * depthMult); }
  /** A V1 stage scaled by width and depth multipliers (torchvision's MBConvConfig). */
  static scaled(expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number,
    numLayers: number, widthMult = 1.0, depthMult = 1.0): MBConvConfig {
    return new MBConvConfig(expandRatio, kernel, stride, MBConvConfig.adjustChannels(inputChannels, widthMult),
      MBConvConfig.adjustChannels(outChannels, widthMult), MBConvConfig.adjustDepth(numLayers, depthMult));
  }
  copy(): MBConvConfig {
    return new MBConvConfig(this.expandRatio, this.kernel, this.stride, this.inputChannels, this.outChannels, this.numLayers, this.block);
  }
}

const silu = (o?: { inplace?: boolean }) => new nn.SiLU(o);

/** Inverted residual block: 1×1 expand, depthwise k×k, squeeze-excitation, 1×1 project; residual when shapes allow. */
export class MBConv extends nn.Module {
  declare block: nn.Sequential;
  declare stochastic_depth: StochasticDepth;
  useResConnect: boolean;
  outChannels: number;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: LayerFactory) {
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new Error("illegal stride value");
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: nn.Module[] = [];
    const expanded = MBConvConfig.adjustChannels(cnf.inputChannels, cnf.expandRatio);
    if (expanded !== cnf.inputChannels)
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, normLayer, activationLayer: silu }));
    layers.push(new Conv2dNormActivation(expanded, expanded, {
      kernelSize: cnf.kernel, stride: cnf.stride, groups: expanded, normLayer, activationLayer: silu,
    }));
    const squeeze = Math.max(1, Math.floor(cnf.inputChannels / 4));
    layers.push(new SqueezeExcitation(expanded, squeeze, { activation: () => new nn.SiLU({ inplace: true }) }));
    layers.push(new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.block = new nn.Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
    this.outChannels = cnf.outChannels;
  }
  forward(input: Tensor): Tensor {
    return tidy(() => {
      let result = this.block.forward(input);
      if (this.useResConnect) {
        result = this.stochastic_depth.forward(result);
        result.add_(input);
      }
      return result;
    });
  }
}

/** EfficientNetV2's fused block: one k×k expand convolution instead of 1×1 + depthwise. */
export class FusedMBConv extends nn.Module {
  declare block: nn.Sequential;
  declare stochastic_depth: StochasticDepth;
  useResConnect: boolean;
  outChannels: number;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: LayerFactory) {
    super();
    if (!(cnf.stride >= 1 && cnf.stride <= 2)) throw new Error("illegal stride value");
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const layers: nn.Module[] = [];
    const expanded = MBConvConfig.adjustChannels(cnf.inputChannels, cnf.expandRatio);
    if (expanded !== cnf.inputChannels) {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: cnf.kernel, stride: cnf.stride, normLayer, activationLayer: silu }));
      layers.push(new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    } else {
      layers.push(new Conv2dNormActivation(cnf.inputChannels, cnf.outChannels, { kernelSize: cnf.kernel, stride: cnf.stride, normLayer, activationLayer: silu }));
    }
    this.block = new nn.Sequential(...layers);
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
    this.outChannels = cnf.outChannels;
  }
  forward(input: Tensor): Tensor { return MBConv.prototype.forward.call(this, input); }
}

export interface EfficientNetOptions {
  numClasses?: number;
  /** Largest stochastic-depth probability (the last block's is stochasticDepthProb · (n-1)/n). Default 0.2. */
  stochasticDepthProb?: number;
  normLayer?: LayerFactory | null;
  lastChannel?: number | null;
}

/** EfficientNet (torchvision.models.EfficientNet): features, global average pool, dropout + linear classifier. */
export class EfficientNet extends nn.Module {
  declare features: nn.Sequential;
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare classifier: nn.Sequential;
  constructor(setting: MBConvConfig[], dropout: number, opts: EfficientNetOptions = {}) {
    super();
    if (!setting.length) throw new Error("The inverted_residual_setting should not be empty");
    const sdProb = opts.stochasticDepthProb ?? 0.2;
    const norm = opts.normLayer ?? ((c: number) => new nn.BatchNorm2d(c));
    const layers: nn.Module[] = [];
    const firstOut = setting[0].inputChannels;
    layers.push(new Conv2dNormActivation(3, firstOut, { kernelSize: 3, stride: 2, normLayer: norm, activationLayer: silu }));
    const total = setting.reduce((s, c) => s + c.numLayers, 0);
    let id = 0;
    for (const cnf of setting) {
      const stage: nn.Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        const b = cnf.copy();
        if (stage.length) { b.inputChannels = b.outChannels; b.stride = 1; }
        const p = (sdProb * id) / total;
        stage.push(b.block === "MBConv" ? new MBConv(b, p, norm) : new FusedMBConv(b, p, norm));
        id++;
      }
      layers.push(new nn.Sequential(...stage));
    }
    const lastIn = setting[setting.length - 1].outChannels;
    const lastOut = opts.lastChannel ?? 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, normLayer: norm, activationLayer: silu }));
    this.features = new nn.Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.classifier = new nn.Sequential(new nn.Dropout({ p: dropout, inplace: true }), new nn.Linear(lastOut, numClassesFor(opts, "EfficientNet")));

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(m.weight, { mode: "fan_out" });
        if (m.bias) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
        nn.init.ones_(m.weight!);
        nn.init.zeros_(m.bias!);
      } else if (m instanceof nn.Linear) {
        const r = 1.0 / Math.sqrt(m.outFeatures);
        nn.init.uniform_(m.weight, -r, r);
        nn.init.zeros_(m.bias!);
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

type Arch = "b0" | "b1" | "b2" | "b3" | "b4" | "b5" | "b6" | "b7" | "v2_s" | "v2_m" | "v2_l";

/** torchvision's _efficientnet_conf: the stages and last channel count of an architecture. */
export function efficientnetConf(arch: Arch, widthMult = 1.0, depthMult = 1.0): [MBConvConfig[], number | null] {
  if (arch.startsWith("b")) {
    const c = (e: number, k: number, s: number, i: number, o: number, n: number) => MBConvConfig.scaled(e, k, s, i, o, n, widthMult, depthMult);
    return [[c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2), c(6, 3, 2, 40, 80, 3),
      c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4), c(6, 3, 1, 192, 320, 1)], null];
  }
  const F = (e: number, k: number, s: number, i: number, o: number, n: number) => new MBConvConfig(e, k, s, i, o, n, "FusedMBConv");
  const M = (e: number, k: number, s: number, i: number, o: number, n: number) => new MBConvConfig(e, k, s, i, o, n, "MBConv");
  if (arch === "v2_s")
    return [[F(1, 3, 1, 24, 24, 2), F(4, 3, 2, 24, 48, 4), F(4, 3, 2, 48, 64, 4), M(4, 3, 2, 64, 128, 6),
      M(6, 3, 1, 128, 160, 9), M(6, 3, 2, 160, 256, 15)], 1280];
  if (arch === "v2_m")
    return [[F(1, 3, 1, 24, 24, 3), F(4, 3, 2, 24, 48, 5), F(4, 3, 2, 48, 80, 5), M(4, 3, 2, 80, 160, 7),
      M(6, 3, 1, 160, 176, 14), M(6, 3, 2, 176, 304, 18), M(6, 3, 1, 304, 512, 5)], 1280];
  if (arch === "v2_l")
    return [[F(1, 3, 1, 32, 32, 4), F(4, 3, 2, 32, 64, 7), F(4, 3, 2, 64, 96, 7), M(4, 3, 2, 96, 192, 10),
      M(6, 3, 1, 192, 224, 19), M(6, 3, 2, 224, 384, 25), M(6, 3, 1, 384, 640, 7)], 1280];
  throw new Error(`Unsupported model type ${arch}`);
}

export interface EfficientNetBuilderOptions extends WeightsOptions, EfficientNetOptions {
  /** Classifier dropout; default per architecture (0.2 for B0). */
  dropout?: number;
}

function build(name: string, arch: Arch, width: number, depth: number, dropout: number, o: EfficientNetBuilderOptions,
  bn?: { eps?: number; momentum?: number }): EfficientNet {
  const [setting, lastChannel] = efficientnetConf(arch, width, depth);
  const normLayer = o.normLayer ?? (bn ? (c: number) => new nn.BatchNorm2d(c, bn) : null);
  const model = new EfficientNet(setting, o.dropout ?? dropout, { ...o, normLayer, lastChannel: o.lastChannel ?? lastChannel });
  return applyWeights(model, name, o);
}

/** EfficientNet-B0 (torchvision.models.efficientnet_b0); weights: a torchvision .pth path, "DEFAULT" or a URL. */
export function efficientnetB0(opts: EfficientNetBuilderOptions = {}): EfficientNet { return build("efficientnetB0", "b0", 1.0, 1.0, 0.2, opts); }
export function efficientnetB1(opts: EfficientNetBuilderOptions = {}): EfficientNet { return build("efficientnetB1", "b1", 1.0, 1.1, 0.2, opts); }
export function efficientnetB2(opts: EfficientNetBuilderOptions = {}): EfficientNet { return build("efficientnetB2", "b2", 1.1, 1.2, 0.3, opts); }
export function efficientnetB3(opts: EfficientNetBuilderOptions = {}): EfficientNet { return build("efficientnetB3", "b3", 1.2, 1.4, 0.3, opts); }
export function efficientnetB4(opts: EfficientNetBuilderOptions = {}): EfficientNet { return build("efficientnetB4", "b4", 1.4, 1.8, 0.4, opts); }
export function efficientnetB5(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetB5", "b5", 1.6, 2.2, 0.4, opts, { eps: 0.001, momentum: 0.01 });
}
export function efficientnetB6(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetB6", "b6", 1.8, 2.6, 0.5, opts, { eps: 0.001, momentum: 0.01 });
}
export function efficientnetB7(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetB7", "b7", 2.0, 3.1, 0.5, opts, { eps: 0.001, momentum: 0.01 });
}
/** EfficientNetV2-S (torchvision.models.efficientnet_v2_s). */
export function efficientnetV2S(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetV2S", "v2_s", 1, 1, 0.2, opts, { eps: 1e-3 });
}
export function efficientnetV2M(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetV2M", "v2_m", 1, 1, 0.3, opts, { eps: 1e-3 });
}
export function efficientnetV2L(opts: EfficientNetBuilderOptions = {}): EfficientNet {
  return build("efficientnetV2L", "v2_l", 1, 1, 0.4, opts, { eps: 1e-3 });
}
