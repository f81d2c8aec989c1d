// Recurrent layers: RNN, LSTM, GRU (the fused ATen ops aten::rnn_tanh / rnn_relu / lstm / gru over the flat
// weight list) and the single-step cells RNNCell, LSTMCell, GRUCell (aten::*_cell).
import { Tensor, zeros } from "../tensor";
import { bound, callOp } from "../ops";
import { noGrad } from "../autograd";
import { cudnn } from "../backends";
import { Module, Parameter, pyBool, pyFloat } from "./module";
import { FactoryOptions, emptyParam, disposeAll, optionsOf } from "./common";
import { uniform_ } from "./init";
import { PackedSequence } from "./utils_rnn";

export interface RNNBaseOptions extends FactoryOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output are (batch, seq, feature) instead of (seq, batch, feature). */
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer but the last (training mode only). */
  dropout?: number;
  bidirectional?: boolean;
}
export interface RNNOptions extends RNNBaseOptions { nonlinearity?: "tanh" | "relu"; }
export interface LSTMOptions extends RNNBaseOptions { /** > 0: LSTM with projections of this size. */ projSize?: number; }

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

const rnnTanh = bound("aten::rnn_tanh", "input");
const rnnRelu = bound("aten::rnn_relu", "input");
const lstmOp = bound("aten::lstm", "input");
const gruOp = bound("aten::gru", "input");
// the PackedSequence overloads: (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)
const rnnTanhData = bound("aten::rnn_tanh", "data");
const rnnReluData = bound("aten::rnn_relu", "data");
const lstmData = bound("aten::lstm", "data");
const gruData = bound("aten::gru", "data");

/** Shared by RNN, LSTM and GRU (PyTorch's RNNBase): parameters weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k}. */
export class RNNBase extends Module {
  mode: Mode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
  /** Parameter names in the order the fused op takes them (PyTorch's _flat_weights_names). */
  _flatWeightsNames: string[] = [];

  constructor(mode: Mode, inputSize: number, hiddenSize: number, o?: LSTMOptions) {
    super();
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = o?.numLayers ?? 1;
    this.bias = o?.bias ?? true;
    this.batchFirst = !!o?.batchFirst;
    this.dropout = o?.dropout ?? 0;
    this.bidirectional = !!o?.bidirectional;
    this.projSize = o?.projSize ?? 0;
    const dropout = this.dropout;
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1))
      throw new Error("dropout should be a number in range [0, 1] representing the probability of an element being zeroed");
    if (dropout > 0 && this.numLayers === 1)
      process.emitWarning(`dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${dropout} and num_layers=${this.numLayers}`);
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new Error("num_layers must be a positive integer");
    if (this.projSize < 0) throw new Error("proj_size should be a positive integer or zero to disable projections");
    if (this.projSize >= hiddenSize) throw new Error("proj_size has to be smaller than hidden_size");
    const gateSize = mode === "LSTM" ? 4 * hiddenSize : mode === "GRU" ? 3 * hiddenSize : hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const real = this.projSize > 0 ? this.projSize : hiddenSize;
    const f = { dtype: o?.dtype, device: o?.device };
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const inSize = layer === 0 ? inputSize : real * dirs;
        const sfx = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const ps: [string, number[]][] = [[`weight_ih${sfx}`, [gateSize, inSize]], [`weight_hh${sfx}`, [gateSize, real]]];
        if (this.bias) ps.push([`bias_ih${sfx}`, [gateSize]], [`bias_hh${sfx}`, [gateSize]]);
        if (this.projSize > 0) ps.push([`weight_hr${sfx}`, [this.projSize, hiddenSize]]);
        for (const [name, shape] of ps) {
          this.registerParameter(name, emptyParam(shape, f));
          this._flatWeightsNames.push(name);
        }
      }
    }
    this.flattenParameters();
    this.resetParameters();
  }

  /** Every parameter ~ U(-1/√hiddenSize, 1/√hiddenSize), in registration order (as PyTorch). */
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
    for (const w of this.parameters()) uniform_(w, -stdv, stdv);
  }

  /** The weights in the fused op's order. */
  get _flatWeights(): Tensor[] {
    return this._flatWeightsNames.map((n) => {
      const p = this._parameters.get(n);
      if (!p) throw new Error(`${this._getName()}: parameter ${n} is missing`);
      return p;
    });
  }
  /**
   * On CUDA with cuDNN, moves the weights into one contiguous buffer (the parameters become views of it) so that
   * cuDNN does not copy them on every call, as PyTorch's flatten_parameters; elsewhere a no-op. Called after
   * construction and after to()/cuda().
   */
  flattenParameters(): void {
    const ws = this._flatWeights;
    if (!ws.length) return;
    const dtype = ws[0].dtype;
    if (!ws.every((w) => w.dtype === dtype && w.device.startsWith("cuda"))) return;
    if (!["float32", "float16", "float64"].includes(dtype.name) || !cudnn.isAvailable() || !cudnn.enabled) return;
    try {
      noGrad(() => {
        if (!callOp("aten::_use_cudnn_rnn_flatten_weight")) return;
        const n = (this.bias ? 4 : 2) + (this.projSize > 0 ? 1 : 0);
        const mode = { RNN_RELU: 0, RNN_TANH: 1, LSTM: 2, GRU: 3 }[this.mode];
        const buf: Tensor = callOp("aten::_cudnn_rnn_flatten_weight", ws, n, this.inputSize, mode, this.hiddenSize, this.projSize,
          this.numLayers, this.batchFirst, this.bidirectional);
        buf.dispose();
      });
    } catch { /* the fused op also takes separate weights (cuDNN then copies them per call) */ }
  }
  _apply(fn: (t: Tensor) => Tensor): this {
    super._apply(fn);
    this.flattenParameters();
    return this;
  }

  protected _checkInput(input: Tensor, dims = 3): void {
    if (input.dim() !== dims) throw new Error(`input must have ${dims} dimensions, got ${input.dim()}`);
    const last = input.shape[input.dim() - 1];
    if (last !== this.inputSize) throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${last}`);
  }
  protected _expectedHidden(input: Tensor, size: number): number[] {
    const batch = this.batchFirst ? input.shape[0] : input.shape[1];
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, size];
  }
  protected _checkHidden(hx: Tensor, expected: number[], msg = "Expected hidden size"): void {
    const s = hx.shape;
    if (s.length !== expected.length || s.some((v, i) => v !== expected[i]))
      throw new Error(`${msg} (${expected.join(", ")}), got [${s.join(", ")}]`);
  }

  /**
   * The PackedSequence forward (PyTorch's packed branch): the state given in the caller's batch order is permuted
   * by sortedIndices, the .data overload of the fused op runs, and the returned state is permuted back by
   * unsortedIndices. hx: [h0] for RNN/GRU, [h0, c0] for LSTM, or null. Returns [packed output, states].
   */
  protected _forwardPacked(input: PackedSequence, hx: Tensor[] | null): [PackedSequence, Tensor[]] {
    const { data, batchSizes, sortedIndices, unsortedIndices } = input;
    const maxBatch = Number((batchSizes.dataNumbers() as ArrayLike<number>)[0]);
    const dirs = this.bidirectional ? 2 : 1;
    const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const sizes = this.mode === "LSTM" ? [real, this.hiddenSize] : [this.hiddenSize];
    const made: Tensor[] = [];
    try {
      let hs: Tensor[];
      if (!hx) {
        hs = sizes.map((n) => zeros([this.numLayers * dirs, maxBatch, n], { dtype: data.dtype, device: data.device }));
        made.push(...hs);
      } else if (sortedIndices) {
        hs = hx.map((h) => h.indexSelect(1, sortedIndices));
        made.push(...hs);
      } else hs = hx;
      this._checkInput(data, 2);
      hs.forEach((h, i) => this._checkHidden(h, [this.numLayers * dirs, maxBatch, sizes[i]], i === 0 ? "Expected hidden size" : "Expected hidden[1] size"));
      const op = { LSTM: lstmData, GRU: gruData, RNN_TANH: rnnTanhData, RNN_RELU: rnnReluData }[this.mode];
      const hArg = this.mode === "LSTM" ? hs : hs[0];
      const [out, ...hn] = op(undefined, data, batchSizes, hArg, this._flatWeights, this.bias, this.numLayers, this.dropout,
        this.training, this.bidirectional) as Tensor[];
      let states = hn;
      if (unsortedIndices) {
        try { states = hn.map((h) => h.indexSelect(1, unsortedIndices)); } finally { disposeAll(...hn); }
      }
      const packed = new PackedSequence(out, batchSizes.alias(), sortedIndices ? sortedIndices.alias() : null,
        unsortedIndices ? unsortedIndices.alias() : null);
      return [packed, states];
    } finally { disposeAll(...made); }
  }

  /** The non-LSTM forward (RNN and GRU): [output, h_n]. */
  protected _forwardSingle(input: Tensor, hx: Tensor | null | undefined): [Tensor, Tensor] {
    const batched = input.dim() === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    const made: Tensor[] = [];
    try {
      let x = input;
      let h = hx ?? null;
      if (!batched) {
        if (input.dim() !== 2) throw new Error(`input must have 2 or 3 dimensions, got ${input.dim()}`);
        x = input.unsqueeze(batchDim); made.push(x);
        if (h) {
          if (h.dim() !== 2) throw new Error(`For unbatched 2-D input, hx should also be 2-D but got ${h.dim()}-D tensor`);
          h = h.unsqueeze(1); made.push(h);
        }
      } else if (h && h.dim() !== 3) throw new Error(`For batched 3-D input, hx should also be 3-D but got ${h.dim()}-D tensor`);
      this._checkInput(x);
      const expected = this._expectedHidden(x, this.hiddenSize);
      if (!h) { h = zeros(expected, { dtype: x.dtype, device: x.device }); made.push(h); }
      else this._checkHidden(h, expected);
      const op = this.mode === "GRU" ? gruOp : this.mode === "RNN_TANH" ? rnnTanh : rnnRelu;
      const [out, hn] = op(undefined, x, h, this._flatWeights, this.bias, this.numLayers, this.dropout, this.training,
        this.bidirectional, this.batchFirst) as Tensor[];
      if (batched) return [out, hn];
      try { return [out.squeeze(batchDim), hn.squeeze(1)]; } finally { out.dispose(); hn.dispose(); }
    } finally { disposeAll(...made); }
  }

  extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst !== false) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/** GRU's and LSTM's optional arguments: an options object, or PyTorch's positional order (numLayers, bias, batchFirst, dropout, bidirectional[, projSize]). */
export type RNNArgs<O> = [opts?: O] | [numLayers?: number, bias?: boolean, batchFirst?: boolean, dropout?: number, bidirectional?: boolean, opts?: O];
const RNN_NAMES = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"];

/** Elman RNN with tanh or ReLU (torch.nn.RNN). forward(input, h0?) → [output, h_n]. */
export class RNN extends RNNBase {
  nonlinearity: "tanh" | "relu";
  /**
   * Options as an object, or positionally in PyTorch 2's order (numLayers, nonlinearity, bias, batchFirst, dropout, bidirectional);
   * without a nonlinearity string fourth, PyTorch 1.13's (numLayers, bias, batchFirst, dropout, bidirectional).
   */
  constructor(inputSize: number, hiddenSize: number, ...args: [opts?: RNNOptions] | [numLayers?: number, nonlinearity?: "tanh" | "relu", bias?: boolean,
    batchFirst?: boolean, dropout?: number, bidirectional?: boolean, opts?: RNNOptions] | RNNArgs<RNNOptions>) {
    const opts = optionsOf<RNNOptions>("RNN", typeof args[1] === "string" ? ["numLayers", "nonlinearity", ...RNN_NAMES.slice(1)] : RNN_NAMES, args);
    if ((opts as any)?.projSize !== undefined) throw new Error("proj_size argument is only supported for LSTM, not RNN or GRU");
    const nl = opts?.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`Unknown nonlinearity '${nl}'`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    if (input instanceof PackedSequence) { const [o, [h]] = this._forwardPacked(input, hx ? [hx] : null); return [o, h]; }
    return this._forwardSingle(input, hx);
  }
}

/** Gated recurrent unit (torch.nn.GRU). forward(input, h0?) → [output, h_n]. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs<RNNBaseOptions>) {
    const opts = optionsOf<RNNBaseOptions>("GRU", RNN_NAMES, args);
    if ((opts as any)?.projSize !== undefined) throw new Error("proj_size argument is only supported for LSTM, not RNN or GRU");
    super("GRU", inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    if (input instanceof PackedSequence) { const [o, [h]] = this._forwardPacked(input, hx ? [hx] : null); return [o, h]; }
    return this._forwardSingle(input, hx);
  }
}

/** Long short-term memory (torch.nn.LSTM), with optional projections. forward(input, [h0, c0]?) → [output, [h_n, c_n]]. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs<LSTMOptions> | [numLayers: number, bias: boolean, batchFirst: boolean,
    dropout: number, bidirectional: boolean, projSize: number]) {
    super("LSTM", inputSize, hiddenSize, optionsOf<LSTMOptions>("LSTM", [...RNN_NAMES, "projSize"], args));
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (input instanceof PackedSequence) {
      if (hx && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError("LSTM: hx must be a pair [h_0, c_0]");
      const [o, [h, c]] = this._forwardPacked(input, hx ? [hx[0], hx[1]] : null);
      return [o, [h, c]];
    }
    const batched = input.dim() === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    const made: Tensor[] = [];
    try {
      let x = input;
      if (!batched) {
        if (input.dim() !== 2) throw new Error(`input must have 2 or 3 dimensions, got ${input.dim()}`);
        x = input.unsqueeze(batchDim); made.push(x);
      }
      const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
      let h: Tensor, c: Tensor;
      if (!hx) {
        h = zeros(this._expectedHidden(x, real), { dtype: x.dtype, device: x.device });
        c = zeros(this._expectedHidden(x, this.hiddenSize), { dtype: x.dtype, device: x.device });
        made.push(h, c);
      } else {
        if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError("LSTM: hx must be a pair [h_0, c_0]");
        [h, c] = hx;
        if (batched) {
          if (h.dim() !== 3 || c.dim() !== 3)
            throw new Error(`For batched 3-D input, hx and cx should also be 3-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
        } else {
          if (h.dim() !== 2 || c.dim() !== 2)
            throw new Error(`For unbatched 2-D input, hx and cx should also be 2-D but got (${h.dim()}-D, ${c.dim()}-D) tensors`);
          h = h.unsqueeze(1); c = c.unsqueeze(1); made.push(h, c);
        }
      }
      this._checkInput(x);
      this._checkHidden(h, this._expectedHidden(x, real));
      this._checkHidden(c, this._expectedHidden(x, this.hiddenSize), "Expected hidden[1] size");
      const [out, hn, cn] = lstmOp(undefined, x, [h, c], this._flatWeights, this.bias, this.numLayers, this.dropout,
        this.training, this.bidirectional, this.batchFirst) as Tensor[];
      if (batched) return [out, [hn, cn]];
      try { return [out.squeeze(batchDim), [hn.squeeze(1), cn.squeeze(1)]]; } finally { out.dispose(); hn.dispose(); cn.dispose(); }
    } finally { disposeAll(...made); }
  }
}

// ---- cells ----
const rnnTanhCell = bound("aten::rnn_tanh_cell");
const rnnReluCell = bound("aten::rnn_relu_cell");
const lstmCellOp = bound("aten::lstm_cell");
const gruCellOp = bound("aten::gru_cell");

/** Shared by the cells (PyTorch's RNNCellBase): weight_ih, weight_hh, bias_ih, bias_hh. */
export class RNNCellBase extends Module {
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  constructor(inputSize: number, hiddenSize: number, bias: boolean, numChunks: number, f?: FactoryOptions) {
    super();
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    const ff = { dtype: f?.dtype, device: f?.device };
    this.registerParameter("weight_ih", emptyParam([numChunks * hiddenSize, inputSize], ff));
    this.registerParameter("weight_hh", emptyParam([numChunks * hiddenSize, hiddenSize], ff));
    this.registerParameter("bias_ih", bias ? emptyParam([numChunks * hiddenSize], ff) : null);
    this.registerParameter("bias_hh", bias ? emptyParam([numChunks * hiddenSize], ff) : null);
    this.resetParameters();
  }
  resetParameters(): void {
    const stdv = this.hiddenSize > 0 ? 1.0 / Math.sqrt(this.hiddenSize) : 0;
    for (const w of this.parameters()) uniform_(w, -stdv, stdv);
  }
  /** Batches a 1-D input (and its state); returns [input, batched, made]. */
  protected _prep(input: Tensor, name: string): [Tensor, boolean] {
    const d = input.dim();
    if (d !== 1 && d !== 2) throw new Error(`${name}: Expected input to be 1-D or 2-D but received ${d}-D tensor`);
    return d === 1 ? [input.unsqueeze(0), false] : [input, true];
  }
  protected _state(hx: Tensor | null | undefined, x: Tensor, batched: boolean, made: Tensor[]): Tensor {
    if (!hx) { const z = zeros([x.shape[0], this.hiddenSize], { dtype: x.dtype, device: x.device }); made.push(z); return z; }
    if (batched) return hx;
    const h = hx.unsqueeze(0); made.push(h); return h;
  }
  extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    const nl = (this as any).nonlinearity;
    if (nl !== undefined && nl !== "tanh") s += `, nonlinearity=${nl}`;
    return s;
  }
}

/** One step of an Elman RNN (torch.nn.RNNCell): h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
export class RNNCell extends RNNCellBase {
  nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, ...args: [opts?: { bias?: boolean; nonlinearity?: "tanh" | "relu" } & FactoryOptions] |
    [bias?: boolean, nonlinearity?: "tanh" | "relu"]) {
    const opts = optionsOf<{ bias?: boolean; nonlinearity?: "tanh" | "relu" } & FactoryOptions>("RNNCell", ["bias", "nonlinearity"], args);
    super(inputSize, hiddenSize, opts?.bias ?? true, 1, opts);
    this.nonlinearity = opts?.nonlinearity ?? "tanh";
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    if (this.nonlinearity !== "tanh" && this.nonlinearity !== "relu") throw new Error(`Unknown nonlinearity: ${this.nonlinearity}`);
    const [x, batched] = this._prep(input, "RNNCell");
    const made: Tensor[] = x !== input ? [x] : [];
    try {
      const h = this._state(hx, x, batched, made);
      const op = this.nonlinearity === "tanh" ? rnnTanhCell : rnnReluCell;
      const r: Tensor = op(undefined, x, h, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
      if (batched) return r;
      try { return r.squeeze(0); } finally { r.dispose(); }
    } finally { disposeAll(...made); }
  }
}

/** One LSTM step (torch.nn.LSTMCell): forward(input, [h, c]?) → [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, ...args: [opts?: { bias?: boolean } & FactoryOptions] | [bias?: boolean]) {
    const opts = optionsOf<{ bias?: boolean } & FactoryOptions>("LSTMCell", ["bias"], args);
    super(inputSize, hiddenSize, opts?.bias ?? true, 4, opts);
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [x, batched] = this._prep(input, "LSTMCell");
    const made: Tensor[] = x !== input ? [x] : [];
    try {
      const h = this._state(hx?.[0], x, batched, made);
      const c = this._state(hx?.[1], x, batched, made);
      const [h1, c1] = lstmCellOp(undefined, x, [h, c], this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh) as Tensor[];
      if (batched) return [h1, c1];
      try { return [h1.squeeze(0), c1.squeeze(0)]; } finally { h1.dispose(); c1.dispose(); }
    } finally { disposeAll(...made); }
  }
}

/** One GRU step (torch.nn.GRUCell). */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, ...args: [opts?: { bias?: boolean } & FactoryOptions] | [bias?: boolean]) {
    const opts = optionsOf<{ bias?: boolean } & FactoryOptions>("GRUCell", ["bias"], args);
    super(inputSize, hiddenSize, opts?.bias ?? true, 3, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, batched] = this._prep(input, "GRUCell");
    const made: Tensor[] = x !== input ? [x] : [];
    try {
      const h = this._state(hx, x, batched, made);
      const r: Tensor = gruCellOp(undefined, x, h, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
      if (batched) return r;
      try { return r.squeeze(0); } finally { r.dispose(); }
    } finally { disposeAll(...made); }
  }
}
