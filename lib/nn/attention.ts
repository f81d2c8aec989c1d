// MultiheadAttention (torch/nn/modules/activation.py in PyTorch): parameters in_proj_weight (or q/k/v_proj_weight),
// in_proj_bias, out_proj.weight/bias, bias_k, bias_v, as PyTorch names them.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import { FactoryOptions, emptyParam, optionsOf } from "./common";
import { NonDynamicallyQuantizableLinear } from "./linear";
import { xavierUniform_, xavierNormal_, constant_ } from "./init";
import { multiHeadAttentionForward } from "./functional";

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights (training mode). */
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  /** (batch, seq, feature) inputs and outputs. */
  batchFirst?: boolean;
}
export interface MultiheadAttentionForwardOptions {
  /** (N, S) bool (true = ignore) or float (added) mask over the keys. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** (L, S) or (N·heads, L, S) bool or float mask. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

/** Attention over numHeads heads (torch.nn.MultiheadAttention). forward(query, key, value, opts?) → [output, weights | null]. */
export class MultiheadAttention extends Module {
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  embedDim: number;
  kdim: number;
  vdim: number;
  _qkvSameEmbedDim: boolean;
  numHeads: number;
  dropout: number;
  batchFirst: boolean;
  headDim: number;
  addZeroAttn: boolean;

  /** Options as an object, or PyTorch's positional order (dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst). */
  constructor(embedDim: number, numHeads: number, ...args: [opts?: MultiheadAttentionOptions] | [dropout?: number, bias?: boolean, addBiasKv?: boolean,
    addZeroAttn?: boolean, kdim?: number | null, vdim?: number | null, batchFirst?: boolean, opts?: MultiheadAttentionOptions]) {
    super();
    const o = optionsOf<MultiheadAttentionOptions>("MultiheadAttention", ["dropout", "bias", "addBiasKv", "addZeroAttn", "kdim", "vdim", "batchFirst"], args);
    const f = { dtype: o?.dtype, device: o?.device };
    this.embedDim = embedDim;
    this.kdim = o?.kdim ?? embedDim;
    this.vdim = o?.vdim ?? embedDim;
    this._qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = o?.dropout ?? 0;
    this.batchFirst = !!o?.batchFirst;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new Error("embed_dim must be divisible by num_heads");
    if (!this._qkvSameEmbedDim) {
      this.registerParameter("q_proj_weight", emptyParam([embedDim, embedDim], f));
      this.registerParameter("k_proj_weight", emptyParam([embedDim, this.kdim], f));
      this.registerParameter("v_proj_weight", emptyParam([embedDim, this.vdim], f));
      this.registerParameter("in_proj_weight", null);
    } else {
      this.registerParameter("in_proj_weight", emptyParam([3 * embedDim, embedDim], f));
      this.registerParameter("q_proj_weight", null);
      this.registerParameter("k_proj_weight", null);
      this.registerParameter("v_proj_weight", null);
    }
    const bias = o?.bias ?? true;
    this.registerParameter("in_proj_bias", bias ? emptyParam([3 * embedDim], f) : null);
    this.registerModule("out_proj", new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...f }));
    this.registerParameter("bias_k", o?.addBiasKv ? emptyParam([1, 1, embedDim], f) : null);
    this.registerParameter("bias_v", o?.addBiasKv ? emptyParam([1, 1, embedDim], f) : null);
    this.addZeroAttn = !!o?.addZeroAttn;
    this._resetParameters();
  }
  _resetParameters(): void {
    if (this._qkvSameEmbedDim) xavierUniform_(this.in_proj_weight!);
    else { xavierUniform_(this.q_proj_weight!); xavierUniform_(this.k_proj_weight!); xavierUniform_(this.v_proj_weight!); }
    if (this.in_proj_bias) { constant_(this.in_proj_bias, 0); constant_(this.out_proj.bias!, 0); }
    if (this.bias_k) xavierNormal_(this.bias_k);
    if (this.bias_v) xavierNormal_(this.bias_v);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null] {
    const batched = query.dim() === 3;
    const kpm = opts?.keyPaddingMask ?? null;
    if (kpm && kpm.dtype.name !== "bool" && !kpm.dtype.isFloatingPoint) throw new Error("only bool and floating types of key_padding_mask are supported");
    let q = query, k = key, v = value;
    const made: Tensor[] = [];
    if (this.batchFirst && batched) {
      // keep query/key/value identity: the packed projection depends on it
      q = query.transpose(1, 0); made.push(q);
      k = key === query ? q : key.transpose(1, 0); if (k !== q) made.push(k);
      v = value === key ? k : value === query ? q : value.transpose(1, 0); if (v !== k && v !== q) made.push(v);
    }
    try {
      const fo = {
        training: this.training, keyPaddingMask: kpm, needWeights: opts?.needWeights ?? true, attnMask: opts?.attnMask ?? null,
        averageAttnWeights: opts?.averageAttnWeights ?? true,
      };
      const [out, w] = this._qkvSameEmbedDim
        ? multiHeadAttentionForward(q, k, v, this.embedDim, this.numHeads, this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v,
          this.addZeroAttn, this.dropout, this.out_proj.weight, this.out_proj.bias, fo)
        : multiHeadAttentionForward(q, k, v, this.embedDim, this.numHeads, this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v,
          this.addZeroAttn, this.dropout, this.out_proj.weight, this.out_proj.bias,
          { ...fo, useSeparateProjWeight: true, qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight });
      if (this.batchFirst && batched) { try { return [out.transpose(1, 0), w]; } finally { out.dispose(); } }
      return [out, w];
    } finally { for (const t of made) t.dispose(); }
  }
}
