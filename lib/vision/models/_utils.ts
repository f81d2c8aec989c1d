// Building blocks shared by the vision models (torchvision.ops.misc, torchvision.ops.stochastic_depth,
// torchvision.models._utils) and the weight loading of every builder (file, cache, or download with checksum).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";
import { Tensor, empty } from "../../tensor";
import { load } from "../../serialization";
import { dispose } from "../../memory";
import * as nn from "../../nn";
import { acquire, release, runPlan, isPlannable } from "../../nn/plan";
import { pyFloat } from "../../nn/module";

/** torchvision's _make_divisible: v rounded to a multiple of divisor, not below 90% of v. */
export function makeDivisible(v: number, divisor: number, minValue?: number | null): number {
  const min = minValue ?? divisor;
  let nv = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

/**
 * Runs x through mods in order, as a Sequential would (runs of built-in layers in one native call).
 * Results of built-in layers are freed once used; the input and custom modules' outputs are left to the caller's tidy.
 */
export function chain(x: Tensor, mods: (nn.Module | null | undefined)[]): Tensor {
  const b = acquire();
  let owned = false;
  const flush = () => {
    if (!b.n) return;
    const y = runPlan(b, x);
    if (owned && y !== x) x.dispose();
    owned = owned || y !== x;
    x = y;
    b.n = 0;
  };
  try {
    for (const m of mods) {
      if (!m) continue;
      if (isPlannable(m)) { (m as any)._plan(b); continue; }
      flush();
      const y = m.forward(x);
      if (owned && y !== x) x.dispose();
      x = y;
      owned = false;  // a custom module's output may be held elsewhere: the caller's tidy frees it
    }
    flush();
  } finally { release(b); }
  return x;
}

export type LayerFactory = (channels: number) => nn.Module;
export type ActivationFactory = (opts?: { inplace?: boolean }) => nn.Module;

export interface ConvNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize - 1) / 2 * dilation. */
  padding?: number | null;
  groups?: number;
  /** null: no normalization layer. Default BatchNorm2d. */
  normLayer?: LayerFactory | null;
  /** null: no activation. Default ReLU. */
  activationLayer?: ActivationFactory | null;
  dilation?: number;
  inplace?: boolean | null;
  /** Default: true when there is no normalization layer. */
  bias?: boolean | null;
}

function convNormActLayers(inC: number, outC: number, o: ConvNormActivationOptions): nn.Module[] {
  const k = o.kernelSize ?? 3, dilation = o.dilation ?? 1;
  const padding = o.padding ?? Math.floor((k - 1) / 2) * dilation;
  const norm = o.normLayer === undefined ? (c: number) => new nn.BatchNorm2d(c) : o.normLayer;
  const act = o.activationLayer === undefined ? (a?: { inplace?: boolean }) => new nn.ReLU(a) : o.activationLayer;
  const bias = o.bias ?? norm === null;
  const layers: nn.Module[] = [new nn.Conv2d(inC, outC, k, { stride: o.stride ?? 1, padding, dilation, groups: o.groups ?? 1, bias })];
  if (norm) layers.push(norm(outC));
  if (act) {
    const inplace = o.inplace === undefined ? true : o.inplace;
    layers.push(inplace === null ? act() : act({ inplace }));
  }
  return layers;
}

/** Convolution, normalization, activation (torchvision.ops.Conv2dNormActivation): a Sequential "0", "1", "2". */
export class Conv2dNormActivation extends nn.Sequential {
  outChannels: number;
  constructor(inChannels: number, outChannels: number, opts: ConvNormActivationOptions = {}) {
    super(...convNormActLayers(inChannels, outChannels, opts));
    this.outChannels = outChannels;
  }
}

/** Squeeze-and-excitation (torchvision.ops.SqueezeExcitation): input · σ(fc2(δ(fc1(avgpool(input))))). */
export class SqueezeExcitation extends nn.Module {
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare fc1: nn.Conv2d;
  declare fc2: nn.Conv2d;
  declare activation: nn.Module;
  declare scale_activation: nn.Module;
  constructor(inputChannels: number, squeezeChannels: number, opts?: { activation?: () => nn.Module; scaleActivation?: () => nn.Module }) {
    super();
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    this.fc1 = new nn.Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new nn.Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = opts?.activation ? opts.activation() : new nn.ReLU();
    this.scale_activation = opts?.scaleActivation ? opts.scaleActivation() : new nn.Sigmoid();
  }
  forward(input: Tensor): Tensor {
    const scale = chain(input, [this.avgpool, this.fc1, this.activation, this.fc2, this.scale_activation]);
    try { return scale.mul(input); } finally { if (scale !== input) scale.dispose(); }
  }
}

/**
 * Stochastic depth (torchvision.ops.stochastic_depth): in training, zeroes the whole input ("batch") or each
 * sample ("row") with probability p and scales survivors by 1/(1-p). The identity in eval mode or when p is 0.
 */
export function stochasticDepth(input: Tensor, p: number, mode: "row" | "batch", training = true): Tensor {
  if (p < 0 || p > 1) throw new Error(`drop probability has to be between 0 and 1, but got ${p}`);
  if (mode !== "batch" && mode !== "row") throw new Error(`mode has to be either 'batch' or 'row', but got ${mode}`);
  if (!training || p === 0) return input;
  const survival = 1 - p;
  const nd = input.dim();
  const size = mode === "row" ? [input.shape[0], ...new Array(nd - 1).fill(1)] : new Array(nd).fill(1);
  const noise = empty(size, { dtype: input.dtype, device: input.device });
  try {
    noise.inplace("aten::bernoulli_", survival);
    if (survival > 0) noise.div_(survival);
    return input.mul(noise);
  } finally { noise.dispose(); }
}

/** Module form of stochasticDepth (torchvision.ops.StochasticDepth). */
export class StochasticDepth extends nn.Module {
  constructor(public p: number, public mode: "row" | "batch") { super(); }
  forward(input: Tensor): Tensor { return stochasticDepth(input, this.p, this.mode, this.training); }
  toString(): string { return `StochasticDepth(p=${pyFloat(this.p)}, mode=${this.mode})`; }
}

/** Permutes the dims of its input (torchvision.ops.misc.Permute). */
export class Permute extends nn.Module {
  constructor(public dims: number[]) { super(); }
  forward(x: Tensor): Tensor { return x.permute(this.dims); }
}

// ---- weights ----

const BASE_URL = "https://download.pytorch.org/models/";
/** torchvision 0.14's weight files per builder: { DEFAULT: name, <name>: url }. */
export const weightUrls: Record<string, Record<string, string>> = {};
const files: Record<string, Record<string, string>> = {
  resnet18: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "resnet18-f37072fd.pth" },
  resnet34: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "resnet34-b627a593.pth" },
  resnet50: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "resnet50-0676ba61.pth", IMAGENET1K_V2: "resnet50-11ad3fa6.pth" },
  resnet101: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "resnet101-63fe2227.pth", IMAGENET1K_V2: "resnet101-cd907fc2.pth" },
  resnet152: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "resnet152-394f9c45.pth", IMAGENET1K_V2: "resnet152-f82ba261.pth" },
  resnext50_32x4d: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "resnext50_32x4d-7cdf4587.pth", IMAGENET1K_V2: "resnext50_32x4d-1a0047aa.pth" },
  resnext101_32x8d: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "resnext101_32x8d-8ba56ff5.pth", IMAGENET1K_V2: "resnext101_32x8d-110c445d.pth" },
  resnext101_64x4d: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "resnext101_64x4d-173b62eb.pth" },
  wideResnet50_2: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "wide_resnet50_2-95faca4d.pth", IMAGENET1K_V2: "wide_resnet50_2-9ba9bcbe.pth" },
  wideResnet101_2: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "wide_resnet101_2-32ee1156.pth", IMAGENET1K_V2: "wide_resnet101_2-d733dc28.pth" },
  vgg11: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg11-8a719046.pth" },
  vgg11Bn: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg11_bn-6002323d.pth" },
  vgg13: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg13-19584684.pth" },
  vgg13Bn: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg13_bn-abd245e5.pth" },
  vgg16: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg16-397923af.pth", IMAGENET1K_FEATURES: "vgg16_features-amdegroot-88682ab5.pth" },
  vgg16Bn: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg16_bn-6c64b313.pth" },
  vgg19: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg19-dcbb9e9d.pth" },
  vgg19Bn: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "vgg19_bn-c79401a0.pth" },
  efficientnetB0: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b0_rwightman-3dd342df.pth" },
  efficientnetB1: { DEFAULT: "IMAGENET1K_V2", IMAGENET1K_V1: "efficientnet_b1_rwightman-533bc792.pth", IMAGENET1K_V2: "efficientnet_b1-c27df63c.pth" },
  efficientnetB2: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b2_rwightman-bcdf34b7.pth" },
  efficientnetB3: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b3_rwightman-cf984f9c.pth" },
  efficientnetB4: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b4_rwightman-7eb33cd5.pth" },
  efficientnetB5: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b5_lukemelas-b6417697.pth" },
  efficientnetB6: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b6_lukemelas-c76e70fd.pth" },
  efficientnetB7: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_b7_lukemelas-dcc49843.pth" },
  efficientnetV2S: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_v2_s-dd5fe13b.pth" },
  efficientnetV2M: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_v2_m-dc08266a.pth" },
  efficientnetV2L: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "efficientnet_v2_l-59c71312.pth" },
  convnextTiny: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "convnext_tiny-983f1562.pth" },
  convnextSmall: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "convnext_small-0c510722.pth" },
  convnextBase: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "convnext_base-6075fbad.pth" },
  convnextLarge: { DEFAULT: "IMAGENET1K_V1", IMAGENET1K_V1: "convnext_large-ea097f82.pth" },
};
for (const [model, m] of Object.entries(files)) {
  const urls: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (k !== "DEFAULT") urls[k] = BASE_URL + v;
  urls.DEFAULT = urls[m.DEFAULT];
  weightUrls[model] = Object.freeze(urls) as Record<string, string>;
}
Object.freeze(weightUrls);

/** Options every builder takes. */
export interface WeightsOptions {
  /**
   * Pretrained weights: a path to a torchvision .pth file (torch.save(model.state_dict())), a weights name of
   * this builder ("DEFAULT", "IMAGENET1K_V1", ... see weightUrls), or a URL (https:// or file://).
   * Names and URLs are looked up in modelDir and downloaded there (checksum verified) when download is true.
   */
  weights?: string | null;
  /** Fetch named or URL weights that are not in modelDir yet. With no weights given, download: true means "DEFAULT". */
  download?: boolean;
  /** The cache directory; default $TORCH_HOME/hub/checkpoints (~/.cache/torch/hub/checkpoints), as torch.hub. */
  modelDir?: string;
  /** Check the file's SHA-256 against the hash prefix in its name (name-hash.pth), as torchvision does. Default true. */
  checkHash?: boolean;
  /** Print download progress to stderr. Default false. */
  progress?: boolean;
}

/** torch.hub's cache directory for checkpoints. */
export function hubDir(): string {
  const home = process.env.TORCH_HOME ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "torch");
  return path.join(home, "hub", "checkpoints");
}

const HASH_RE = /-([a-f0-9]*)\./;

function sha256(file: string): string {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally { fs.closeSync(fd); }
  return h.digest("hex");
}

/** Blocks until the fetch in a worker finishes (builders are synchronous, like torchvision's). */
function fetchSync(url: string, dest: string, progress: boolean): void {
  const { execFileSync } = require("child_process") as typeof import("child_process");
  const script = `
    const fs = require("fs");
    (async () => {
      const [url, dest, progress] = process.argv.slice(1);
      const res = await fetch(url);
      if (!res.ok) throw new Error("HTTP " + res.status + " " + res.statusText + " for " + url);
      const total = Number(res.headers.get("content-length")) || 0;
      const fd = fs.openSync(dest, "w");
      let got = 0, last = 0;
      try {
        for await (const chunk of res.body) {
          fs.writeSync(fd, chunk);
          got += chunk.length;
          if (progress === "1" && Date.now() - last > 500) {
            last = Date.now();
            process.stderr.write("\\r" + (got / 1048576).toFixed(1) + " MB" + (total ? " / " + (total / 1048576).toFixed(1) + " MB" : ""));
          }
        }
      } finally { fs.closeSync(fd); }
      if (progress === "1") process.stderr.write("\\n");
    })().catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ["-e", script, url, dest, progress ? "1" : "0"], { stdio: ["ignore", "ignore", progress ? "inherit" : "pipe"] });
  } catch (e: any) {
    const msg = e.stderr ? String(e.stderr).trim() : e.message;
    throw new Error(`download of ${url} failed: ${msg}`);
  }
}

/**
 * Downloads url to dest (a temporary file, moved into place only once complete), verifying that the file's
 * SHA-256 starts with hashPrefix when given (torch.hub.download_url_to_file). file:// URLs are copied.
 */
export function downloadUrlToFile(url: string, dest: string, opts?: { hashPrefix?: string | null; progress?: boolean }): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.partial`;
  try {
    if (url.startsWith("file://")) fs.copyFileSync(new URL(url), tmp);
    else if (/^https?:\/\//.test(url)) fetchSync(url, tmp, !!opts?.progress);
    else throw new Error(`unsupported URL '${url}' (expected https://, http:// or file://)`);
    const prefix = opts?.hashPrefix;
    if (prefix) {
      const digest = sha256(tmp);
      if (!digest.startsWith(prefix)) throw new Error(`invalid hash value (expected "${prefix}", got "${digest}") for ${url}`);
    }
    fs.renameSync(tmp, dest);
  } finally {
    if (fs.existsSync(tmp)) fs.unlinkSync(tmp);
  }
}

/**
 * The state dict at url, from modelDir when already there, else downloaded when download is true
 * (torch.hub.load_state_dict_from_url with check_hash).
 */
export function loadStateDictFromUrl(url: string, opts?: { modelDir?: string; download?: boolean; checkHash?: boolean; progress?: boolean; fileName?: string }): Record<string, Tensor> {
  const dir = opts?.modelDir ?? hubDir();
  const name = opts?.fileName ?? path.basename(new URL(url).pathname);
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    if (!opts?.download)
      throw new Error(`weights file ${file} is not there: download ${url} to that path, pass its path as weights, or pass download: true`);
    const hash = opts?.checkHash ?? true ? HASH_RE.exec(name)?.[1] ?? null : null;
    downloadUrlToFile(url, file, { hashPrefix: hash, progress: opts?.progress });
  }
  return load(file, { mapLocation: "cpu" });
}

/** The builder's weights as a state dict (or null when none were asked for). */
export function resolveWeights(model: string, o: WeightsOptions): Record<string, Tensor> | null {
  const w = o.weights ?? (o.download ? "DEFAULT" : null);
  if (w === null || w === undefined) return null;
  if (typeof w !== "string") throw new TypeError("argument 'weights' must be a string (a file path, a weights name or a URL)");
  const urls = weightUrls[model];
  const named = urls && Object.prototype.hasOwnProperty.call(urls, w);
  const url = named ? urls[w] : /^(https?|file):\/\//.test(w) ? w : null;
  if (url) return loadStateDictFromUrl(url, { modelDir: o.modelDir, download: o.download, checkHash: o.checkHash, progress: o.progress });
  if (/^[A-Z0-9_]+$/.test(w) && !fs.existsSync(w))
    throw new Error(`unknown weights '${w}' for ${model}; known: ${urls ? Object.keys(urls).join(", ") : "none"}`);
  const sd = load(w, { mapLocation: "cpu" });
  if (sd === null || typeof sd !== "object" || Array.isArray(sd)) throw new Error(`${w} does not hold a state dict`);
  return sd;
}

/** The numClasses option (default 1000, ImageNet's), checked. */
export function numClassesFor(o: { numClasses?: number }, model: string): number {
  const n = o.numClasses ?? 1000;
  if (!Number.isInteger(n) || n <= 0) throw new TypeError(`${model}: numClasses must be a positive integer`);
  return n;
}

/** Loads the requested weights into model (strict) and frees the loaded tensors. */
export function applyWeights<M extends nn.Module>(model: M, name: string, o: WeightsOptions): M {
  const sd = resolveWeights(name, o);
  if (!sd) return model;
  try { model.loadStateDict(sd); } finally { dispose(sd); }
  return model;
}
