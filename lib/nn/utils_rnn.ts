// torch.nn.utils.rnn: PackedSequence and the pad / pack helpers (PyTorch 1.13 semantics and messages), over
// aten::_pack_padded_sequence, aten::_pad_packed_sequence and aten::pad_sequence.
import { Tensor, tensor, arange } from "../tensor";
import { callOp } from "../ops";
import { int64, float16, float32, float64 } from "../dtype";
import { containerTensors } from "../memory";

function disposeAll(...ts: (Tensor | null | undefined)[]): void { for (const t of ts) if (t) t.dispose(); }

/** The inverse of a permutation (a new tensor), or null for null. */
export function invertPermutation(permutation: Tensor | null | undefined): Tensor | null {
  if (!permutation) return null;
  const output: Tensor = callOp("aten::empty_like", permutation);
  const r = arange(0, permutation.numel(), { device: permutation.device });
  try { output.scatter_(0, permutation, r); } finally { r.dispose(); }
  return output;
}

/**
 * A batch of variable-length sequences packed time step by time step (torch.nn.utils.rnn.PackedSequence): `data`
 * holds the steps of the sequences sorted by decreasing length, `batchSizes` (a CPU int64 tensor) how many
 * sequences are still running at each step; `sortedIndices` / `unsortedIndices` map the original batch order to the
 * sorted one and back (null when the input was already sorted). Made by packPaddedSequence / packSequence, accepted
 * and returned by nn.RNN, nn.LSTM and nn.GRU. It owns its tensors: dispose() frees them (torch.tidy and
 * torch.dispose see them too).
 */
export class PackedSequence {
  data: Tensor;
  batchSizes: Tensor;
  sortedIndices: Tensor | null;
  unsortedIndices: Tensor | null;
  /** unsortedIndices, when not given, is the inverse permutation of sortedIndices (a new tensor). */
  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null) {
    if (!(data instanceof Tensor) || !(batchSizes instanceof Tensor)) throw new TypeError("PackedSequence: data and batchSizes must be tensors");
    if (batchSizes.device !== "cpu")
      throw new Error("batch_sizes should always be on CPU. Instances of PackedSequence should never be created manually. " +
        "They should be instantiated by functions like pack_sequence and pack_padded_sequences in nn.utils.rnn. " +
        "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence");
    this.data = data;
    this.batchSizes = batchSizes;
    this.sortedIndices = sortedIndices ?? null;
    this.unsortedIndices = unsortedIndices ?? invertPermutation(this.sortedIndices);
  }
  /** [data, batchSizes, sortedIndices, unsortedIndices], as Python's namedtuple unpacks. */
  toArray(): [Tensor, Tensor, Tensor | null, Tensor | null] { return [this.data, this.batchSizes, this.sortedIndices, this.unsortedIndices]; }
  [containerTensors](): Tensor[] { return this.toArray().filter((t): t is Tensor => t !== null); }
  get isCuda(): boolean { return this.data.device.startsWith("cuda"); }
  /**
   * dtype and/or device conversion of `data` (the indices follow data's device; batchSizes stays on the CPU). A new
   * PackedSequence whose tensors are all new (or views).
   */
  to(a: any, b?: any): PackedSequence {
    const data = this.data.to(a, b);
    const dev = data.device;
    const mv = (t: Tensor | null) => (t ? t.to(dev) : null);
    return new PackedSequence(data, this.batchSizes.to("cpu"), mv(this.sortedIndices), mv(this.unsortedIndices));
  }
  cpu(): PackedSequence { return this.to("cpu"); }
  cuda(device = "cuda"): PackedSequence { return this.to(device as any); }
  double(): PackedSequence { return this.to(float64); }
  float(): PackedSequence { return this.to(float32); }
  half(): PackedSequence { return this.to(float16); }
  long(): PackedSequence { return this.to(int64); }
  dispose(): void { disposeAll(this.data, this.batchSizes, this.sortedIndices, this.unsortedIndices); }
  toString(): string {
    return `PackedSequence(data=${this.data.toString()}, batch_sizes=${this.batchSizes.toString()}, ` +
      `sorted_indices=${this.sortedIndices?.toString() ?? "None"}, unsorted_indices=${this.unsortedIndices?.toString() ?? "None"})`;
  }
}

function asLengths(lengths: Tensor | number[] | ArrayLike<number>): Tensor {
  if (lengths instanceof Tensor) return lengths.dtype === int64 ? lengths.detach() : lengths.to(int64);
  return tensor(Array.from(lengths as ArrayLike<number>), { dtype: int64 });
}

export interface PackPaddedOptions {
  /** input is (batch, seq, *) instead of (seq, batch, *). */
  batchFirst?: boolean;
  /** true (default): lengths must be in decreasing order; false: the batch is sorted here (and unsorted back later). */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch of variable-length sequences (torch.nn.utils.rnn.pack_padded_sequence). input: (T, B, *) or
 * (B, T, *) with batchFirst; lengths: one per sequence (an array or a CPU int64 tensor).
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | number[] | ArrayLike<number>, opts?: PackPaddedOptions): PackedSequence {
  const batchFirst = !!opts?.batchFirst;
  const enforceSorted = opts?.enforceSorted ?? true;
  let lens = asLengths(lengths);
  let x = input;
  let sortedIndices: Tensor | null = null;
  const made: Tensor[] = [lens];
  try {
    if (!enforceSorted) {
      const [sl, si] = lens.sort({ dim: -1, descending: true });
      made.push(sl);
      lens = sl;
      if (si.device !== input.device) { sortedIndices = si.to(input.device); si.dispose(); } else sortedIndices = si;
      x = input.indexSelect(batchFirst ? 0 : 1, sortedIndices);
      made.push(x);
    }
    const [data, batchSizes] = callOp("aten::_pack_padded_sequence", x, lens, batchFirst) as Tensor[];
    return new PackedSequence(data, batchSizes, sortedIndices, null);
  } catch (e) {
    disposeAll(sortedIndices);
    throw e;
  } finally { disposeAll(...made); }
}

export interface PadPackedOptions {
  /** Output (batch, seq, *) instead of (seq, batch, *). */
  batchFirst?: boolean;
  paddingValue?: number;
  /** Pad to this length (at least the longest sequence's) instead of the longest sequence's. */
  totalLength?: number | null;
}

/**
 * Unpacks a PackedSequence into a padded batch (torch.nn.utils.rnn.pad_packed_sequence): [padded, lengths], in the
 * original batch order; lengths is a CPU int64 tensor.
 */
export function padPackedSequence(sequence: PackedSequence, opts?: PadPackedOptions): [Tensor, Tensor] {
  const batchFirst = !!opts?.batchFirst;
  const paddingValue = opts?.paddingValue ?? 0.0;
  let maxSeqLength = sequence.batchSizes.shape[0];
  const totalLength = opts?.totalLength;
  if (totalLength !== undefined && totalLength !== null) {
    if (totalLength < maxSeqLength)
      throw new Error("Expected total_length to be at least the length of the longest sequence in input, but got " +
        `total_length=${totalLength} and max sequence length being ${maxSeqLength}`);
    maxSeqLength = totalLength;
  }
  const [padded, lengths] = callOp("aten::_pad_packed_sequence", sequence.data, sequence.batchSizes, batchFirst,
    paddingValue, maxSeqLength) as Tensor[];
  const unsorted = sequence.unsortedIndices;
  if (!unsorted) return [padded, lengths];
  const idxCpu = unsorted.device === "cpu" ? unsorted : unsorted.to("cpu");
  try {
    return [padded.indexSelect(batchFirst ? 0 : 1, unsorted), lengths.indexSelect(0, idxCpu)];
  } finally { disposeAll(padded, lengths); if (idxCpu !== unsorted) idxCpu.dispose(); }
}

export interface PadSequenceOptions {
  /** Output (batch, seq, *) instead of (seq, batch, *). */
  batchFirst?: boolean;
  paddingValue?: number;
}

/**
 * Stacks variable-length tensors (each (L_i, *)) into one padded tensor (torch.nn.utils.rnn.pad_sequence):
 * (maxL, B, *) or (B, maxL, *) with batchFirst. A tensor argument counts as the sequence of its rows (dim 0).
 */
export function padSequence(sequences: Iterable<Tensor> | Tensor, opts?: PadSequenceOptions): Tensor {
  const batchFirst = !!opts?.batchFirst;
  const paddingValue = opts?.paddingValue ?? 0.0;
  if (sequences instanceof Tensor) {
    const rows = sequences.unbind(0);
    try { return callOp("aten::pad_sequence", rows, batchFirst, paddingValue); } finally { disposeAll(...rows); }
  }
  if (sequences === null || sequences === undefined || typeof (sequences as any)[Symbol.iterator] !== "function")
    throw new Error(`pad_sequence: Expected iterable for input sequences, but got arg of type: ${sequences === null ? "null" : typeof sequences}`);
  return callOp("aten::pad_sequence", [...sequences], batchFirst, paddingValue);
}

/** The inverse of padSequence (torch.nn.utils.rnn.unpad_sequence): the first lengths[i] steps of each sequence (new tensors). */
export function unpadSequence(paddedSequences: Tensor, lengths: Tensor | number[] | ArrayLike<number>, opts?: { batchFirst?: boolean }): Tensor[] {
  const lens = lengths instanceof Tensor ? Array.from(lengths.dataNumbers() as ArrayLike<number>) : Array.from(lengths as ArrayLike<number>);
  const batchDim = opts?.batchFirst ? 0 : 1;
  return lens.map((n, i) => {
    const s = paddedSequences.select(batchDim, i);
    const v = s.narrow(0, 0, n);
    try { return v.clone(); } finally { v.dispose(); s.dispose(); }
  });
}

/**
 * Packs a list of variable-length tensors (each (L_i, *)) (torch.nn.utils.rnn.pack_sequence); with enforceSorted
 * (the default) they must be in decreasing length order.
 */
export function packSequence(sequences: Tensor[], opts?: { enforceSorted?: boolean }): PackedSequence {
  const lengths = sequences.map((v) => v.size(0) as number);
  const padded = padSequence(sequences);
  try { return packPaddedSequence(padded, lengths, { enforceSorted: opts?.enforceSorted ?? true }); } finally { padded.dispose(); }
}

/** The inverse of packSequence (torch.nn.utils.rnn.unpack_sequence): the sequences, in the original order. */
export function unpackSequence(packedSequences: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packedSequences, { batchFirst: true });
  try { return unpadSequence(padded, lengths, { batchFirst: true }); } finally { padded.dispose(); lengths.dispose(); }
}
