// ResNet, ResNeXt and Wide ResNet (torchvision.models.resnet): same modules, names, initialisation and forward.
import { Tensor } from "../../tensor";
import { tidy } from "../../memory";
import * as nn from "../../nn";
import { chain, applyWeights, numClassesFor, WeightsOptions, LayerFactory } from "./_utils";

/** 3×3 convolution with padding, no bias. */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}
/** 1×1 convolution, no bias. */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

const bn2d: LayerFactory = (c) => new nn.BatchNorm2d(c);

/** Two 3×3 convolutions with a residual connection (ResNet-18/34). */
export class BasicBlock extends nn.Module {
  static expansion = 1;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare relu: nn.ReLU;
  declare conv2: nn.Conv2d;
  declare bn2: nn.Module;
  declare downsample: nn.Module | null;
  stride: number;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null, groups = 1,
    baseWidth = 64, dilation = 1, normLayer: LayerFactory | null = null) {
    super();
    const norm = normLayer ?? bn2d;
    if (groups !== 1 || baseWidth !== 64) throw new Error("BasicBlock only supports groups=1 and base_width=64");
    if (dilation > 1) throw new Error("Dilation > 1 not supported in BasicBlock");
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = norm(planes);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = norm(planes);
    this.downsample = downsample;
    this.stride = stride;
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const out = chain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]);
      const identity = this.downsample ? this.downsample.forward(x) : x;
      out.add_(identity);
      return this.relu.forward(out);
    });
  }
}

/** 1×1, 3×3, 1×1 convolutions with a residual connection (ResNet-50 and deeper); stride on the 3×3 (ResNet v1.5). */
export class Bottleneck extends nn.Module {
  static expansion = 4;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare conv2: nn.Conv2d;
  declare bn2: nn.Module;
  declare conv3: nn.Conv2d;
  declare bn3: nn.Module;
  declare relu: nn.ReLU;
  declare downsample: nn.Module | null;
  stride: number;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null, groups = 1,
    baseWidth = 64, dilation = 1, normLayer: LayerFactory | null = null) {
    super();
    const norm = normLayer ?? bn2d;
    const width = Math.trunc(planes * (baseWidth / 64.0)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = norm(width);
    this.conv2 = conv3x3(width, width, stride, groups, dilation);
    this.bn2 = norm(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = norm(planes * Bottleneck.expansion);
    this.relu = new nn.ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const out = chain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3]);
      const identity = this.downsample ? this.downsample.forward(x) : x;
      out.add_(identity);
      return this.relu.forward(out);
    });
  }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions {
  numClasses?: number;
  /** Zero-initialise the last BN of each residual branch, so each block starts as the identity. */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  /** For layer2..layer4: replace the stride 2 by a dilation. */
  replaceStrideWithDilation?: [boolean, boolean, boolean] | null;
  normLayer?: LayerFactory | null;
}

/** ResNet (torchvision.models.ResNet): stem, four stages of blocks, global average pool, fc. */
export class ResNet extends nn.Module {
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare relu: nn.ReLU;
  declare maxpool: nn.MaxPool2d;
  declare layer1: nn.Sequential;
  declare layer2: nn.Sequential;
  declare layer3: nn.Sequential;
  declare layer4: nn.Sequential;
  declare avgpool: nn.AdaptiveAvgPool2d;
  /** The classifier head: replace it (model.fc = new nn.Linear(2048, 10)) to fine-tune. */
  declare fc: nn.Module;
  inplanes = 64;
  dilation = 1;
  groups: number;
  baseWidth: number;
  private _normLayer: LayerFactory;

  constructor(block: ResNetBlock, layers: number[], opts: ResNetOptions = {}) {
    super();
    const norm = opts.normLayer ?? bn2d;
    this._normLayer = norm;
    const rswd = opts.replaceStrideWithDilation ?? [false, false, false];
    if (rswd.length !== 3) throw new Error(`replace_stride_with_dilation should be None or a 3-element tuple, got ${JSON.stringify(rswd)}`);
    this.groups = opts.groups ?? 1;
    this.baseWidth = opts.widthPerGroup ?? 64;
    this.conv1 = new nn.Conv2d(3, this.inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = norm(this.inplanes);
    this.relu = new nn.ReLU({ inplace: true });
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this._makeLayer(block, 64, layers[0]);
    this.layer2 = this._makeLayer(block, 128, layers[1], 2, rswd[0]);
    this.layer3 = this._makeLayer(block, 256, layers[2], 2, rswd[1]);
    this.layer4 = this._makeLayer(block, 512, layers[3], 2, rswd[2]);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, numClassesFor(opts, "ResNet"));

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      }
    }
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck && (m.bn3 as any).weight) nn.init.constant_((m.bn3 as any).weight, 0);
        else if (m instanceof BasicBlock && (m.bn2 as any).weight) nn.init.constant_((m.bn2 as any).weight, 0);
      }
    }
  }

  _makeLayer(block: ResNetBlock, planes: number, blocks: number, stride = 1, dilate = false): nn.Sequential {
    const norm = this._normLayer;
    let downsample: nn.Module | null = null;
    const previousDilation = this.dilation;
    if (dilate) { this.dilation *= stride; stride = 1; }
    if (stride !== 1 || this.inplanes !== planes * block.expansion)
      downsample = new nn.Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), norm(planes * block.expansion));
    const layers: nn.Module[] = [new block(this.inplanes, planes, stride, downsample, this.groups, this.baseWidth, previousDilation, norm)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++)
      layers.push(new block(this.inplanes, planes, 1, null, this.groups, this.baseWidth, this.dilation, norm));
    return new nn.Sequential(...layers);
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = chain(x, [this.conv1, this.bn1, this.relu, this.maxpool, this.layer1, this.layer2, this.layer3, this.layer4, this.avgpool]);
      return this.fc.forward(y.flatten(1));
    });
  }
}

export interface ResNetBuilderOptions extends WeightsOptions, ResNetOptions {}

function resnet(name: string, block: ResNetBlock, layers: number[], o: ResNetBuilderOptions, extra: Partial<ResNetOptions> = {}): ResNet {
  return applyWeights(new ResNet(block, layers, { ...o, ...extra }), name, o);
}

/** ResNet-18 (torchvision.models.resnet18); weights: a torchvision .pth path, "DEFAULT"/"IMAGENET1K_V1" or a URL. */
export function resnet18(opts: ResNetBuilderOptions = {}): ResNet { return resnet("resnet18", BasicBlock, [2, 2, 2, 2], opts); }
/** ResNet-34 (torchvision.models.resnet34). */
export function resnet34(opts: ResNetBuilderOptions = {}): ResNet { return resnet("resnet34", BasicBlock, [3, 4, 6, 3], opts); }
/** ResNet-50 (torchvision.models.resnet50). */
export function resnet50(opts: ResNetBuilderOptions = {}): ResNet { return resnet("resnet50", Bottleneck, [3, 4, 6, 3], opts); }
/** ResNet-101 (torchvision.models.resnet101). */
export function resnet101(opts: ResNetBuilderOptions = {}): ResNet { return resnet("resnet101", Bottleneck, [3, 4, 23, 3], opts); }
/** ResNet-152 (torchvision.models.resnet152). */
export function resnet152(opts: ResNetBuilderOptions = {}): ResNet { return resnet("resnet152", Bottleneck, [3, 8, 36, 3], opts); }
/** ResNeXt-50 32×4d (torchvision.models.resnext50_32x4d). */
export function resnext50_32x4d(opts: ResNetBuilderOptions = {}): ResNet {
  return resnet("resnext50_32x4d", Bottleneck, [3, 4, 6, 3], opts, { groups: 32, widthPerGroup: 4 });
}
/** ResNeXt-101 32×8d (torchvision.models.resnext101_32x8d). */
export function resnext101_32x8d(opts: ResNetBuilderOptions = {}): ResNet {
  return resnet("resnext101_32x8d", Bottleneck, [3, 4, 23, 3], opts, { groups: 32, widthPerGroup: 8 });
}
/** ResNeXt-101 64×4d (torchvision.models.resnext101_64x4d). */
export function resnext101_64x4d(opts: ResNetBuilderOptions = {}): ResNet {
  return resnet("resnext101_64x4d", Bottleneck, [3, 4, 23, 3], opts, { groups: 64, widthPerGroup: 4 });
}
/** Wide ResNet-50-2 (torchvision.models.wide_resnet50_2). */
export function wideResnet50_2(opts: ResNetBuilderOptions = {}): ResNet {
  return resnet("wideResnet50_2", Bottleneck, [3, 4, 6, 3], opts, { widthPerGroup: 64 * 2 });
}
/** Wide ResNet-101-2 (torchvision.models.wide_resnet101_2). */
export function wideResnet101_2(opts: ResNetBuilderOptions = {}): ResNet {
  return resnet("wideResnet101_2", Bottleneck, [3, 4, 23, 3], opts, { widthPerGroup: 64 * 2 });
}
