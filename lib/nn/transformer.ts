// Transformer: TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder and Transformer
// (torch/nn/modules/transformer.py), with PyTorch's submodule names (self_attn, multihead_attn, linear1, dropout,
// linear2, norm1..3, dropout1..3; layers.N; encoder, decoder), so stateDict keys match PyTorch's.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { tidy } from "../memory";
import { getRngState, setRngState } from "../random";
import { Module } from "./module";
import { FactoryOptions, optionsOf } from "./common";
import { Linear } from "./linear";
import { LayerNorm } from "./batchnorm";
import { Dropout } from "./dropout";
import { ModuleList } from "./container";
import { MultiheadAttention } from "./attention";
import { relu, gelu } from "./functional";
import { xavierUniform_ } from "./init";
import { triu } from "../functions";
import { full } from "../tensor";
import type { Device } from "../tensor";

export type Activation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;
const LAYER_NAMES = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst"];

export interface TransformerEncoderLayerOptions extends FactoryOptions {
  dimFeedforward?: number;
  dropout?: number;
  /** "relu" (default), "gelu", a function or a module. */
  activation?: Activation;
  layerNormEps?: number;
  batchFirst?: boolean;
  /** LayerNorm before attention and feed-forward (pre-norm) instead of after. */
  normFirst?: boolean;
}

/** Self-attention then a feed-forward block, each with a residual and LayerNorm (torch.nn.TransformerEncoderLayer). */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  normFirst: boolean;
  _act: (x: Tensor) => Tensor;
  _opts: [number, number, TransformerEncoderLayerOptions | undefined];

  /** Options as an object, or PyTorch's positional order (dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst). */
  constructor(dModel: number, nhead: number, ...args: [opts?: TransformerEncoderLayerOptions] | [dimFeedforward?: number, dropout?: number,
    activation?: Activation, layerNormEps?: number, batchFirst?: boolean, normFirst?: boolean, opts?: TransformerEncoderLayerOptions]) {
    super();
    const o = optionsOf<TransformerEncoderLayerOptions>("TransformerEncoderLayer", LAYER_NAMES, args);
    this._opts = [dModel, nhead, o];
    const f = { dtype: o?.dtype, device: o?.device };
    const p = o?.dropout ?? 0.1;
    const ff = o?.dimFeedforward ?? 2048;
    const eps = o?.layerNormEps ?? 1e-5;
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: !!o?.batchFirst, ...f }));
    this.registerModule("linear1", new Linear(dModel, ff, f));
    this.registerModule("dropout", new Dropout(p));
    this.registerModule("linear2", new Linear(ff, dModel, f));
    this.normFirst = !!o?.normFirst;
    this.registerModule("norm1", new LayerNorm(dModel, { eps, ...f }));
    this.registerModule("norm2", new LayerNorm(dModel, { eps, ...f }));
    this.registerModule("dropout1", new Dropout(p));
    this.registerModule("dropout2", new Dropout(p));
    this._act = activationFn(this, o?.activation ?? "relu");
  }

  forward(src: Tensor, opts?: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    const kpm = opts?.srcKeyPaddingMask ?? null;
    if (kpm && kpm.dtype.name !== "bool" && !kpm.dtype.isFloatingPoint) throw new Error("only bool and floating types of key_padding_mask are supported");
    const mask = opts?.srcMask ?? null;
    return tidy(() => {
      const sa = (x: Tensor) => attnBlock(this.self_attn, this.dropout1, x, x, mask, kpm);
      const ff = (x: Tensor) => ffBlock(this, this.dropout2, x);
      if (this.normFirst) {
        const x = src.add(sa(this.norm1.forward(src)));
        return x.add(ff(this.norm2.forward(x)));
      }
      const x = this.norm1.forward(src.add(sa(src)));
      return this.norm2.forward(x.add(ff(x)));
    });
  }

  /** A copy with its own parameters equal to this layer's (PyTorch's copy.deepcopy; consumes no random numbers). */
  _clone(): TransformerEncoderLayer { return cloneLayer(this, (d, n, o) => new TransformerEncoderLayer(d, n, o)); }
}

/** numLayers copies of an encoder layer, then an optional norm (torch.nn.TransformerEncoder). */
export class TransformerEncoder extends Module {
  declare layers: ModuleList;
  declare norm: Module | null;
  numLayers: number;
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts?: { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean }) {
    super();
    if (typeof (encoderLayer as any)?._clone !== "function") throw new TypeError("TransformerEncoder: encoderLayer must be a TransformerEncoderLayer");
    const ls: Module[] = [];
    for (let i = 0; i < numLayers; i++) ls.push(encoderLayer._clone());
    this.registerModule("layers", new ModuleList(ls));
    this.numLayers = numLayers;
    // PyTorch keeps norm=None as a plain attribute (not printed, no state)
    if (opts?.norm) this.registerModule("norm", opts.norm);
    else (this as any).norm = null;
  }
  forward(src: Tensor, opts?: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    let out = src;
    for (const m of this.layers) {
      const y = (m as TransformerEncoderLayer).forward(out, { srcMask: opts?.mask ?? null, srcKeyPaddingMask: opts?.srcKeyPaddingMask ?? null });
      if (out !== src) out.dispose();
      out = y;
    }
    if (this.norm) { const y = this.norm.forward(out); if (out !== src && y !== out) out.dispose(); out = y; }
    return out;
  }
}

export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;
export interface TransformerDecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

function activationFn(owner: Module, a: Activation): (x: Tensor) => Tensor {
  if (a === "relu") return (x) => relu(x);
  if (a === "gelu") return (x) => gelu(x);
  if (a instanceof Module) { owner.registerModule("activation", a); return (x) => a.forward(x); }
  if (typeof a === "function") return a;
  throw new Error(`activation should be relu/gelu, not ${a}`);
}

/** Attention of x over kv (self-attention when kv is x), then dropout: the layers' _sa_block / _mha_block. */
function attnBlock(attn: MultiheadAttention, drop: Dropout, x: Tensor, kv: Tensor, mask: Tensor | null, kpm: Tensor | null): Tensor {
  const [y] = attn.forward(x, kv, kv, { attnMask: mask, keyPaddingMask: kpm, needWeights: false });
  return drop.forward(y);
}
/** linear1, activation, dropout, linear2, then the block's own dropout: the layers' _ff_block. */
function ffBlock(l: { linear1: Linear; dropout: Dropout; linear2: Linear; _act: (x: Tensor) => Tensor }, drop: Dropout, x: Tensor): Tensor {
  return drop.forward(l.linear2.forward(l.dropout.forward(l._act(l.linear1.forward(x)))));
}
/** A layer made again from its constructor arguments without consuming random numbers, then given the weights. */
function cloneLayer<L extends Module & { _opts: [number, number, any]; linear1: Linear }>(layer: L, make: (d: number, n: number, o: any) => L): L {
  const [d, n, o] = layer._opts;
  const dev = layer.linear1.weight.device;
  const st = getRngState();
  let c: L;
  try { c = make(d, n, { ...o, device: "cpu" }); } finally { setRngState(st); st.dispose(); }
  if (dev !== "cpu") c.to(dev);
  const sd = layer.stateDict();
  try { noGrad(() => c.loadStateDict(sd)); } finally { for (const v of Object.values(sd)) v.dispose(); }
  c.train(layer.training);
  return c;
}

/** Self-attention, attention over the memory, then a feed-forward block, each with a residual and LayerNorm
 *  (torch.nn.TransformerDecoderLayer). forward(tgt, memory, opts?). */
export class TransformerDecoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;
  normFirst: boolean;
  _act: (x: Tensor) => Tensor;
  _opts: [number, number, TransformerDecoderLayerOptions | undefined];

  /** Options as an object, or PyTorch's positional order (dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst). */
  constructor(dModel: number, nhead: number, ...args: [opts?: TransformerDecoderLayerOptions] | [dimFeedforward?: number, dropout?: number,
    activation?: Activation, layerNormEps?: number, batchFirst?: boolean, normFirst?: boolean, opts?: TransformerDecoderLayerOptions]) {
    super();
    const o = optionsOf<TransformerDecoderLayerOptions>("TransformerDecoderLayer", LAYER_NAMES, args);
    this._opts = [dModel, nhead, o];
    const f = { dtype: o?.dtype, device: o?.device };
    const p = o?.dropout ?? 0.1;
    const ff = o?.dimFeedforward ?? 2048;
    const eps = o?.layerNormEps ?? 1e-5;
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: !!o?.batchFirst, ...f }));
    this.registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: !!o?.batchFirst, ...f }));
    this.registerModule("linear1", new Linear(dModel, ff, f));
    this.registerModule("dropout", new Dropout(p));
    this.registerModule("linear2", new Linear(ff, dModel, f));
    this.normFirst = !!o?.normFirst;
    this.registerModule("norm1", new LayerNorm(dModel, { eps, ...f }));
    this.registerModule("norm2", new LayerNorm(dModel, { eps, ...f }));
    this.registerModule("norm3", new LayerNorm(dModel, { eps, ...f }));
    this.registerModule("dropout1", new Dropout(p));
    this.registerModule("dropout2", new Dropout(p));
    this.registerModule("dropout3", new Dropout(p));
    this._act = activationFn(this, o?.activation ?? "relu");
  }

  forward(tgt: Tensor, memory: Tensor, opts?: TransformerDecoderLayerForwardOptions): Tensor {
    const tm = opts?.tgtMask ?? null, mm = opts?.memoryMask ?? null;
    const tk = opts?.tgtKeyPaddingMask ?? null, mk = opts?.memoryKeyPaddingMask ?? null;
    return tidy(() => {
      const sa = (x: Tensor) => attnBlock(this.self_attn, this.dropout1, x, x, tm, tk);
      const mha = (x: Tensor) => attnBlock(this.multihead_attn, this.dropout2, x, memory, mm, mk);
      const ff = (x: Tensor) => ffBlock(this, this.dropout3, x);
      let x = tgt;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.forward(x)));
        x = x.add(mha(this.norm2.forward(x)));
        return x.add(ff(this.norm3.forward(x)));
      }
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      return this.norm3.forward(x.add(ff(x)));
    });
  }

  /** A copy with its own parameters equal to this layer's (PyTorch's copy.deepcopy; consumes no random numbers). */
  _clone(): TransformerDecoderLayer { return cloneLayer(this, (d, n, o) => new TransformerDecoderLayer(d, n, o)); }
}

/** numLayers copies of a decoder layer, then an optional norm (torch.nn.TransformerDecoder).
 *  The third argument is { norm } as for TransformerEncoder, or the norm module itself. */
export class TransformerDecoder extends Module {
  declare layers: ModuleList;
  declare norm: Module | null;
  numLayers: number;
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, opts?: Module | { norm?: Module | null } | null) {
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new TypeError("TransformerDecoder: decoderLayer must be a TransformerDecoderLayer");
    const ls: Module[] = [];
    for (let i = 0; i < numLayers; i++) ls.push(decoderLayer._clone());
    this.registerModule("layers", new ModuleList(ls));
    this.numLayers = numLayers;
    const norm = opts instanceof Module ? opts : opts?.norm ?? null;
    // PyTorch keeps norm=None as a plain attribute (not printed, no state)
    if (norm) this.registerModule("norm", norm);
    else (this as any).norm = null;
  }
  forward(tgt: Tensor, memory: Tensor, opts?: TransformerDecoderLayerForwardOptions): Tensor {
    let out = tgt;
    for (const m of this.layers) {
      const y = (m as TransformerDecoderLayer).forward(out, memory, opts);
      if (out !== tgt) out.dispose();
      out = y;
    }
    if (this.norm) { const y = this.norm.forward(out); if (out !== tgt && y !== out) out.dispose(); out = y; }
    return out;
  }
}

export interface TransformerOptions extends TransformerEncoderLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the built encoder (PyTorch's custom_encoder). */
  customEncoder?: Module | null;
  /** Used instead of the built decoder (PyTorch's custom_decoder). */
  customDecoder?: Module | null;
}
export interface TransformerForwardOptions extends TransformerDecoderLayerForwardOptions {
  srcMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/** Encoder-decoder transformer (torch.nn.Transformer): forward(src, tgt, opts?). Parameters with more than one
 *  dimension are re-initialised with xavierUniform_ after construction, in parameter order, as PyTorch does. */
export class Transformer extends Module {
  declare encoder: Module;
  declare decoder: Module;
  dModel: number;
  nhead: number;
  batchFirst: boolean;
  constructor(o?: TransformerOptions) {
    super();
    const dModel = o?.dModel ?? 512, nhead = o?.nhead ?? 8;
    const f = { dtype: o?.dtype, device: o?.device };
    const eps = o?.layerNormEps ?? 1e-5;
    const lo: TransformerEncoderLayerOptions = {
      dimFeedforward: o?.dimFeedforward ?? 2048, dropout: o?.dropout ?? 0.1, activation: o?.activation ?? "relu",
      layerNormEps: eps, batchFirst: !!o?.batchFirst, normFirst: !!o?.normFirst, ...f,
    };
    if (o?.customEncoder) this.registerModule("encoder", o.customEncoder);
    else {
      const layer = new TransformerEncoderLayer(dModel, nhead, lo);
      const norm = new LayerNorm(dModel, { eps, ...f });
      this.registerModule("encoder", new TransformerEncoder(layer, o?.numEncoderLayers ?? 6, { norm }));
      if (!(lo.activation instanceof Module)) layer.dispose(); // a module activation is shared with the copies
    }
    if (o?.customDecoder) this.registerModule("decoder", o.customDecoder);
    else {
      const layer = new TransformerDecoderLayer(dModel, nhead, lo);
      const norm = new LayerNorm(dModel, { eps, ...f });
      this.registerModule("decoder", new TransformerDecoder(layer, o?.numDecoderLayers ?? 6, { norm }));
      if (!(lo.activation instanceof Module)) layer.dispose(); // a module activation is shared with the copies
    }
    this._resetParameters();
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = !!o?.batchFirst;
  }

  forward(src: Tensor, tgt: Tensor, opts?: TransformerForwardOptions): Tensor {
    const isBatched = src.dim() === 3;
    if (!this.batchFirst && isBatched && src.shape[1] !== tgt.shape[1]) throw new Error("the batch number of src and tgt must be equal");
    if (this.batchFirst && isBatched && src.shape[0] !== tgt.shape[0]) throw new Error("the batch number of src and tgt must be equal");
    if (src.shape[src.dim() - 1] !== this.dModel || tgt.shape[tgt.dim() - 1] !== this.dModel) throw new Error("the feature number of src and tgt must be equal to d_model");
    const memory: Tensor = (this.encoder as any).forward(src, { mask: opts?.srcMask ?? null, srcKeyPaddingMask: opts?.srcKeyPaddingMask ?? null });
    try {
      return (this.decoder as any).forward(tgt, memory, {
        tgtMask: opts?.tgtMask ?? null, memoryMask: opts?.memoryMask ?? null,
        tgtKeyPaddingMask: opts?.tgtKeyPaddingMask ?? null, memoryKeyPaddingMask: opts?.memoryKeyPaddingMask ?? null,
      });
    } finally { if (memory !== src && !memory.isDisposed) memory.dispose(); }
  }

  /** (sz, sz) float mask: -inf above the diagonal, 0 elsewhere (PyTorch 1.13's generate_square_subsequent_mask). */
  static generateSquareSubsequentMask(sz: number, device: Device = "cpu"): Tensor {
    const m = full([sz, sz], -Infinity, { device });
    try { return triu(m, 1); } finally { m.dispose(); }
  }

  private _resetParameters(): void {
    for (const p of this.parameters()) if (p.dim() > 1) xavierUniform_(p);
  }
}
