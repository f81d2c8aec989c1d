// Transformer encoder: TransformerEncoderLayer and TransformerEncoder (torch/nn/modules/transformer.py), with
// PyTorch's submodule names (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2; layers.N).
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { getRngState, setRngState } from "../random";
import { Module } from "./module";
import { FactoryOptions } from "./common";
import { Linear } from "./linear";
import { LayerNorm } from "./batchnorm";
import { Dropout } from "./dropout";
import { ModuleList } from "./container";
import { MultiheadAttention } from "./attention";
import { relu, gelu } from "./functional";

export type Activation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

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
  private _act: (x: Tensor) => Tensor;
  private _opts: [number, number, TransformerEncoderLayerOptions | undefined];

  constructor(dModel: number, nhead: number, o?: TransformerEncoderLayerOptions) {
    super();
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
    const a = o?.activation ?? "relu";
    if (a === "relu") this._act = (x) => relu(x);
    else if (a === "gelu") this._act = (x) => gelu(x);
    else if (a instanceof Module) { this.registerModule("activation", a); this._act = (x) => a.forward(x); }
    else if (typeof a === "function") this._act = a;
    else throw new Error(`activation should be relu/gelu, not ${a}`);
  }

  forward(src: Tensor, opts?: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    const kpm = opts?.srcKeyPaddingMask ?? null;
    if (kpm && kpm.dtype.name !== "bool" && !kpm.dtype.isFloatingPoint) throw new Error("only bool and floating types of key_padding_mask are supported");
    const mask = opts?.srcMask ?? null;
    const made: Tensor[] = [];
    const t = (x: Tensor) => { made.push(x); return x; };
    try {
      let x = src;
      if (this.normFirst) {
        x = t(x.add(t(this._saBlock(t(this.norm1.forward(x)), mask, kpm, t))));
        return x.add(t(this._ffBlock(t(this.norm2.forward(x)), t)));
      }
      x = t(this.norm1.forward(t(x.add(t(this._saBlock(x, mask, kpm, t))))));
      return this.norm2.forward(t(x.add(t(this._ffBlock(x, t)))));
    } finally { for (const m of made) if (!m.isDisposed) m.dispose(); }
  }
  private _saBlock(x: Tensor, mask: Tensor | null, kpm: Tensor | null, t: (x: Tensor) => Tensor): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false });
    return this.dropout1.forward(t(y));
  }
  private _ffBlock(x: Tensor, t: (x: Tensor) => Tensor): Tensor {
    const h = t(this.dropout.forward(t(this._act(t(this.linear1.forward(x))))));
    return this.dropout2.forward(t(this.linear2.forward(h)));
  }

  /** A copy with its own parameters equal to this layer's (PyTorch's copy.deepcopy; consumes no random numbers). */
  _clone(): TransformerEncoderLayer {
    const [d, n, o] = this._opts;
    const dev = this.linear1.weight.device;
    const st = getRngState();
    let c: TransformerEncoderLayer;
    try { c = new TransformerEncoderLayer(d, n, { ...o, device: "cpu" }); } finally { setRngState(st); st.dispose(); }
    if (dev !== "cpu") c.to(dev);
    const sd = this.stateDict();
    try { noGrad(() => c.loadStateDict(sd)); } finally { for (const v of Object.values(sd)) v.dispose(); }
    c.train(this.training);
    return c;
  }
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
