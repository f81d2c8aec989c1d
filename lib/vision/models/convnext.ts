// ConvNeXt Tiny/Small/Base/Large (torchvision.models.convnext).
import { Tensor, ones } from "../../tensor";
import { tidy } from "../../memory";
import * as nn from "../../nn";
import { chain, applyWeights, numClassesFor, WeightsOptions, LayerFactory, Conv2dNormActivation, StochasticDepth, Permute } from "./_utils";

/** LayerNorm over the channels of an (N, C, H, W) input (torchvision's convnext.LayerNorm2d). */
export class LayerNorm2d extends nn.LayerNorm {
  forward(x: Tensor): Tensor {
    const p = x.permute(0, 2, 3, 1);
    const y = nn.functional.layerNorm(p, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
    p.dispose();
    try { return y.permute(0, 3, 1, 2); } finally { y.dispose(); }
  }
}

/** ConvNeXt block: depthwise 7×7, LayerNorm, 4× MLP with GELU, layer scale, stochastic depth, residual. */
export class CNBlock extends nn.Module {
  declare block: nn.Sequential;
  declare layer_scale: nn.Parameter;
  declare stochastic_depth: StochasticDepth;
  constructor(dim: number, layerScale: number, stochasticDepthProb: number, normLayer?: LayerFactory | null) {
    super();
    const norm = normLayer ?? ((c: number) => new nn.LayerNorm(c, { eps: 1e-6 }));
    this.block = new nn.Sequential(
      new nn.Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
      new Permute([0, 2, 3, 1]),
      norm(dim),
      new nn.Linear(dim, 4 * dim, { bias: true }),
      new nn.GELU(),
      new nn.Linear(4 * dim, dim, { bias: true }),
      new Permute([0, 3, 1, 2]),
    );
    const t = tidy(() => ones([dim, 1, 1]).mul(layerScale));
    this.layer_scale = new nn.Parameter(t);
    t.dispose();
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, "row");
  }
  forward(input: Tensor): Tensor {
    return tidy(() => {
      let result = this.layer_scale.mul(this.block.forward(input));
      result = this.stochastic_depth.forward(result);
      result.add_(input);
      return result;
    });
  }
}

/** One stage: channels, the next stage's channels (null for the last) and the number of blocks. */
export class CNBlockConfig {
  constructor(public inputChannels: number, public outChannels: number | null, public numLayers: number) {}
}

export interface ConvNeXtOptions {
  numClasses?: number;
  /** Largest stochastic-depth probability, reached by the last block (builders: 0.1 tiny, 0.4 small, 0.5 base/large). */
  stochasticDepthProb?: number;
  layerScale?: number;
  normLayer?: LayerFactory | null;
}

/** ConvNeXt (torchvision.models.ConvNeXt): patchify stem, stages with downsampling, pool, norm + linear head. */
export class ConvNeXt extends nn.Module {
  declare features: nn.Sequential;
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare classifier: nn.Sequential;
  constructor(setting: CNBlockConfig[], opts: ConvNeXtOptions = {}) {
    super();
    if (!setting.length) throw new Error("The block_setting should not be empty");
    const sdProb = opts.stochasticDepthProb ?? 0.0;
    const layerScale = opts.layerScale ?? 1e-6;
    const norm = opts.normLayer ?? ((c: number) => new LayerNorm2d(c, { eps: 1e-6 }));
    const layers: nn.Module[] = [];
    layers.push(new Conv2dNormActivation(3, setting[0].inputChannels, {
      kernelSize: 4, stride: 4, padding: 0, normLayer: norm, activationLayer: null, bias: true,
    }));
    const total = setting.reduce((s, c) => s + c.numLayers, 0);
    let id = 0;
    for (const cnf of setting) {
      const stage: nn.Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        stage.push(new CNBlock(cnf.inputChannels, layerScale, (sdProb * id) / (total - 1.0)));
        id++;
      }
      layers.push(new nn.Sequential(...stage));
      if (cnf.outChannels !== null)
        layers.push(new nn.Sequential(norm(cnf.inputChannels), new nn.Conv2d(cnf.inputChannels, cnf.outChannels, 2, { stride: 2 })));
    }
    this.features = new nn.Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    const last = setting[setting.length - 1];
    const lastOut = last.outChannels ?? last.inputChannels;
    this.classifier = new nn.Sequential(norm(lastOut), new nn.Flatten(1), new nn.Linear(lastOut, numClassesFor(opts, "ConvNeXt")));

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
        nn.init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias) nn.init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    return tidy(() => chain(x, [this.features, this.avgpool, this.classifier]));
  }
}

export interface ConvNeXtBuilderOptions extends WeightsOptions, ConvNeXtOptions {}

function convnext(name: string, setting: CNBlockConfig[], sd: number, o: ConvNeXtBuilderOptions): ConvNeXt {
  const model = new ConvNeXt(setting, { ...o, stochasticDepthProb: o.stochasticDepthProb ?? sd });
  return applyWeights(model, name, o);
}
const C = (i: number, o: number | null, n: number) => new CNBlockConfig(i, o, n);

/** ConvNeXt-Tiny (torchvision.models.convnext_tiny); weights: a torchvision .pth path, "DEFAULT" or a URL. */
export function convnextTiny(opts: ConvNeXtBuilderOptions = {}): ConvNeXt {
  return convnext("convnextTiny", [C(96, 192, 3), C(192, 384, 3), C(384, 768, 9), C(768, null, 3)], 0.1, opts);
}
/** ConvNeXt-Small (torchvision.models.convnext_small). */
export function convnextSmall(opts: ConvNeXtBuilderOptions = {}): ConvNeXt {
  return convnext("convnextSmall", [C(96, 192, 3), C(192, 384, 3), C(384, 768, 27), C(768, null, 3)], 0.4, opts);
}
/** ConvNeXt-Base (torchvision.models.convnext_base). */
export function convnextBase(opts: ConvNeXtBuilderOptions = {}): ConvNeXt {
  return convnext("convnextBase", [C(128, 256, 3), C(256, 512, 3), C(512, 1024, 27), C(1024, null, 3)], 0.5, opts);
}
/** ConvNeXt-Large (torchvision.models.convnext_large). */
export function convnextLarge(opts: ConvNeXtBuilderOptions = {}): ConvNeXt {
  return convnext("convnextLarge", [C(192, 384, 3), C(384, 768, 3), C(768, 1536, 27), C(1536, null, 3)], 0.5, opts);
}
