// Embedding: a lookup table of numEmbeddings vectors of size embeddingDim.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { Module, Parameter, pyFloat } from "./module";
import { FactoryOptions, emptyParam, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";
import { normal_ } from "./init";

export interface EmbeddingOptions extends FactoryOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
  /** Use this tensor as the weight (shared storage) instead of initialising one. */
  _weight?: Tensor;
}

/** Looks up rows of weight by integer indices (torch.nn.Embedding); weight is N(0, 1), the padding row zero. */
export class Embedding extends Module {
  declare weight: Parameter;
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  scaleGradByFreq: boolean;
  sparse: boolean;

  /** new Embedding(n, dim, { paddingIdx, maxNorm, ... }), or PyTorch's positional order (paddingIdx, maxNorm, normType, scaleGradByFreq, sparse). */
  constructor(numEmbeddings: number, embeddingDim: number, ...args: [opts?: EmbeddingOptions] | [paddingIdx?: number | null, maxNorm?: number | null,
    normType?: number, scaleGradByFreq?: boolean, sparse?: boolean, opts?: EmbeddingOptions]) {
    super();
    const opts = optionsOf<EmbeddingOptions>("Embedding", ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"], args);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let pad = opts?.paddingIdx ?? null;
    if (pad !== null) {
      if (pad > 0 && pad >= numEmbeddings) throw new Error("Padding_idx must be within num_embeddings");
      if (pad < 0) {
        if (pad < -numEmbeddings) throw new Error("Padding_idx must be within num_embeddings");
        pad = numEmbeddings + pad;
      }
    }
    this.paddingIdx = pad;
    this.maxNorm = opts?.maxNorm ?? null;
    this.normType = opts?.normType ?? 2;
    this.scaleGradByFreq = !!opts?.scaleGradByFreq;
    this.sparse = !!opts?.sparse;
    if (opts?._weight) {
      const s = opts._weight.shape;
      if (s.length !== 2 || s[0] !== numEmbeddings || s[1] !== embeddingDim) throw new Error("Shape of weight does not match num_embeddings and embedding_dim");
      this.registerParameter("weight", new Parameter(opts._weight));
    } else {
      this.registerParameter("weight", emptyParam([numEmbeddings, embeddingDim], opts));
      this.resetParameters();
    }
  }
  resetParameters(): void {
    normal_(this.weight);
    this._fillPaddingIdxWithZero();
  }
  private _fillPaddingIdxWithZero(): void {
    if (this.paddingIdx === null) return;
    noGrad(() => { const row = this.weight.select(0, this.paddingIdx!); row.fill_(0); row.dispose(); });
  }
  /**
   * An Embedding over the given 2-D weights (frozen unless freeze: false). Options as an object, or PyTorch's positional
   * order (freeze, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse).
   */
  static fromPretrained(embeddings: Tensor, ...args: [opts?: { freeze?: boolean } & Omit<EmbeddingOptions, "_weight">] |
    [freeze?: boolean, paddingIdx?: number | null, maxNorm?: number | null, normType?: number, scaleGradByFreq?: boolean, sparse?: boolean]): Embedding {
    const opts = optionsOf<{ freeze?: boolean } & Omit<EmbeddingOptions, "_weight">>("Embedding.fromPretrained",
      ["freeze", "paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"], args);
    if (embeddings.dim() !== 2) throw new Error("Embeddings parameter is expected to be 2-dimensional");
    const [rows, cols] = embeddings.shape;
    const { freeze: _freeze, ...rest } = opts;
    const e = new Embedding(rows, cols, { ...rest, _weight: embeddings });
    e.weight.requiresGrad_(!(opts?.freeze ?? true));
    return e;
  }
  _plan(b: PlanBuilder): void {
    b.num(Kind.Embedding).t(this.weight).num(this.paddingIdx ?? -1).bool(this.scaleGradByFreq).bool(this.sparse)
      .opt(this.maxNorm).num(this.normType);
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    if (this.sparse) s += ", sparse=True";
    return s;
  }
}
builtin(Embedding);
