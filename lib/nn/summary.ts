// nn.summary: a Keras-like table of layers, output shapes and parameter counts, from one forward pass.
import { Tensor, zeros } from "../tensor";
import { DType, float32 } from "../dtype";
import { tidy } from "../memory";
import { noGrad } from "../autograd";
import { Module, RemovableHandle } from "./module";

export interface LayerSummary {
  /** Dotted name in the model ("features.0"); the model itself is "". */
  name: string;
  type: string;
  /** Output shape(s) of the layer's first call; null when forward did not call it. */
  outputShape: number[] | number[][] | null;
  params: number;
  trainableParams: number;
}

export class ModelSummary {
  constructor(readonly modelName: string, readonly layers: LayerSummary[], readonly totalParams: number,
    readonly trainableParams: number, readonly nonTrainableParams: number, readonly paramBytes: number,
    readonly trainableBytes: number) {}

  toString(): string {
    const fmtShape = (s: LayerSummary["outputShape"]) =>
      s === null ? "--" : Array.isArray(s[0]) ? (s as number[][]).map((x) => `[${x.join(", ")}]`).join(", ") : `[${(s as number[]).join(", ")}]`;
    const rows = this.layers.map((l) => [`${l.name || "(model)"} (${l.type})`, fmtShape(l.outputShape), commas(l.params)]);
    const head = ["Layer (type)", "Output Shape", "Param #"];
    const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)) + 3);
    const width = w[0] + w[1] + w[2];
    const line = (r: string[]) => (" " + r[0].padEnd(w[0]) + r[1].padEnd(w[1]) + r[2]).trimEnd();
    const out = [`Model: "${this.modelName}"`, "_".repeat(width), line(head), "=".repeat(width)];
    for (const r of rows) out.push(line(r));
    out.push("=".repeat(width));
    out.push(`Total params: ${commas(this.totalParams)} (${bytes(this.paramBytes)})`);
    out.push(`Trainable params: ${commas(this.trainableParams)} (${bytes(this.trainableBytes)})`);
    out.push(`Non-trainable params: ${commas(this.nonTrainableParams)} (${bytes(this.paramBytes - this.trainableBytes)})`);
    out.push("_".repeat(width));
    return out.join("\n");
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

function commas(n: number): string { return n.toLocaleString("en-US"); }
function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(2)} ${units[i]}`;
}

function shapesOf(v: any): number[] | number[][] | null {
  if (v instanceof Tensor) return v.shape;
  if (Array.isArray(v)) {
    const s = v.filter((x) => x instanceof Tensor).map((x: Tensor) => x.shape);
    return s.length ? s : null;
  }
  return null;
}

export interface SummaryOptions {
  /** dtype of the generated inputs (float32; use int64 for embedding models). */
  dtype?: DType;
  device?: string;
  /** Print the table (default true). */
  print?: boolean;
}

/**
 * Runs one forward pass on zeros of inputShape (a shape, a list of shapes for several inputs, or the input tensors)
 * in eval mode without gradients, then prints and returns the table: every leaf layer (and any module with
 * parameters of its own) in call order with its output shape and parameter count, then total, trainable and
 * non-trainable parameters. Training flags and buffers are left as they were.
 */
export function summary(model: Module, inputShape: number[] | number[][] | Tensor | Tensor[], opts?: SummaryOptions): ModelSummary {
  const all = model.namedModules();
  const rows = new Map<Module, LayerSummary & { order: number }>();
  let calls = 0;
  for (const [name, m] of all) {
    const own = m.parameters(false);
    const leaf = m.children().length === 0;
    if (!leaf && own.length === 0) continue;
    const ps = leaf ? m.parameters() : own;
    rows.set(m, {
      name, type: m._getName(), outputShape: null, order: Infinity,
      params: ps.reduce((n, p) => n + p.numel(), 0),
      trainableParams: ps.filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0),
    });
  }
  const handles: RemovableHandle[] = [];
  for (const [m, r] of rows) {
    handles.push(m.registerForwardPreHook(() => { if (r.order === Infinity) r.order = calls++; }));
    handles.push(m.registerForwardHook((_m, _a, out) => { if (r.outputShape === null) r.outputShape = shapesOf(out); }));
  }
  const modes = all.map(([, m]) => [m, m.training] as const);
  const firstParam = model.parameters()[0];
  const device = opts?.device ?? (firstParam ? firstParam.device : "cpu");
  try {
    model.eval();
    tidy(() => noGrad(() => {
      let inputs: Tensor[];
      if (inputShape instanceof Tensor) inputs = [inputShape];
      else if (Array.isArray(inputShape) && inputShape.length && inputShape[0] instanceof Tensor) inputs = inputShape as Tensor[];
      else if (Array.isArray(inputShape) && inputShape.length && Array.isArray(inputShape[0]))
        inputs = (inputShape as number[][]).map((s) => zeros(s, { dtype: opts?.dtype ?? float32, device }));
      else inputs = [zeros(inputShape as number[], { dtype: opts?.dtype ?? float32, device })];
      model.forward(...inputs);
    }));
  } finally {
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
  }
  const layers = [...rows.values()].sort((a, b) => a.order - b.order).map(({ order, ...l }) => l);
  const params = model.parameters();
  const total = params.reduce((n, p) => n + p.numel(), 0);
  const trainable = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  const pbytes = params.reduce((n, p) => n + p.numel() * p.elementSize(), 0);
  const tbytes = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel() * p.elementSize(), 0);
  const s = new ModelSummary(model._getName(), layers, total, trainable, total - trainable, pbytes, tbytes);
  if (opts?.print ?? true) console.log(s.toString());
  return s;
}
