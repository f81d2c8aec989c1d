// cuda.makeGraphedTrainStep: a whole static-shape training step (forward, loss, backward, optimizer step,
// metric accumulation) captured once into a CUDA graph and replayed for every batch. Inputs are copied
// into static buffers; loss and accuracy accumulate on the device and are read once (readMetrics).
import { Tensor } from "./tensor";
import { DType, float32, int64 } from "./dtype";
import { tidy, keep } from "./memory";
import { noGrad } from "./autograd";
import { callOp } from "./ops";
import { autocast } from "./amp";
import * as cuda from "./cuda";

type Forward = ((x: Tensor) => Tensor) | { forward(x: Tensor): Tensor };
type LossFn = ((out: Tensor, y: Tensor) => Tensor) | { forward(out: Tensor, y: Tensor): Tensor };
/** What the step needs of an optimizer: step(), paramGroups, and zeroGrad({ setToNone }) if it has one. */
interface StepOptimizer { step(): any; paramGroups: { params: Tensor[] }[]; zeroGrad?(opts?: { setToNone?: boolean }): void; }

export interface GraphedTrainStepOptions {
  /** Eager steps run on a side stream before the capture (lazy state, cuDNN autotuning). Default 3. */
  warmupSteps?: number;
  /** Run forward and loss under autocast with this dtype (e.g. torch.bfloat16). */
  autocastDtype?: DType | null;
  /** Count correct argmax(output, 1) predictions (default: when y is an int64 tensor). */
  accuracy?: boolean;
  /** false: never capture (plain eager steps with the same metrics), for comparison. Default true. */
  graph?: boolean;
  /** Receives the message when the step cannot be graphed (default: console.warn). */
  onFallback?: (message: string) => void;
}
export interface StepMetrics {
  /** Mean of the per-batch losses since the last read. */
  loss: number;
  /** Fraction of correct predictions since the last read (null when not counted). */
  accuracy: number | null;
  samples: number;
  steps: number;
}
export interface GraphedTrainStep {
  /** One training step on (x, y); no host synchronisation once the graph is captured. */
  step(x: Tensor, y: Tensor): void;
  /** Reads and resets the accumulated loss and accuracy (one host synchronisation). */
  readMetrics(): StepMetrics;
  /** Drops the captured graph; the next step captures again (after lr or other option changes). */
  recapture(): void;
  /** True once steps replay a captured graph. */
  readonly graphed: boolean;
  /** Why the step runs eagerly, when it cannot be graphed. */
  readonly fallbackReason: string | null;
  /** Frees the graph, the static buffers and the accumulators. */
  dispose(): void;
}

function callForward(m: Forward, x: Tensor): Tensor { return typeof m === "function" ? m(x) : m.forward(x); }
function callLoss(f: LossFn, out: Tensor, y: Tensor): Tensor { return typeof f === "function" ? f(out, y) : f.forward(out, y); }
function sameShape(a: number[], b: number[]): boolean { return a.length === b.length && a.every((v, i) => v === b[i]); }

/**
 * Builds a training step for static shapes (those of sampleX/sampleY) that is captured into a CUDA graph:
 * `warmupSteps` eager steps on a side stream, then the next step is captured and every later one replays
 * it. Where capture is impossible (no CUDA device, CPU tensors, an op that synchronises with the host), the
 * step runs eagerly and onFallback says why. Adam/AdamW must be built with `capturable: true` (or `fused: true`)
 * to be captured: without it the step is not even tried in a graph (PyTorch's step() would raise inside the
 * capture; torchts's does too), and the message says to pass `capturable: true`. Batches of
 * another shape (a last partial batch) run eagerly too. Options baked into the capture (the learning rate)
 * take effect after recapture().
 *   const train = cuda.makeGraphedTrainStep(model, opt, lossFn, xb, yb);
 *   for (const [x, y] of loader) train.step(x, y);
 *   const { loss, accuracy } = train.readMetrics();
 */
export function makeGraphedTrainStep(model: Forward, optimizer: StepOptimizer, lossFn: LossFn, sampleX: Tensor, sampleY: Tensor,
  opts: GraphedTrainStepOptions = {}): GraphedTrainStep {
  if (!(sampleX instanceof Tensor) || !(sampleY instanceof Tensor)) throw new TypeError("makeGraphedTrainStep: sampleX and sampleY must be Tensors");
  if (typeof optimizer?.step !== "function" || !Array.isArray(optimizer.paramGroups))
    throw new TypeError("makeGraphedTrainStep: optimizer must have step() and paramGroups");
  const device = sampleX.device;
  const warmupSteps = opts.warmupSteps ?? 3;
  const countAcc = opts.accuracy ?? sampleY.dtype === int64;
  const report = opts.onFallback ?? ((m: string) => console.warn(m));
  const acDevice = device.startsWith("cuda") ? "cuda" : "cpu";

  const lossSum = keep(callOp("aten::zeros", [], { dtype: float32, device }) as Tensor);
  const correct = keep(callOp("aten::zeros", [], { dtype: int64, device }) as Tensor);
  let samples = 0, steps = 0;

  let fallbackReason: string | null = null;
  const fallback = (why: string) => {
    fallbackReason = why;
    report(`torchts: cuda.makeGraphedTrainStep: ${why}; the training step runs eagerly`);
  };
  if (opts.graph !== false) {
    if (!cuda.isAvailable()) fallback("CUDA is not available, so no CUDA graph can be captured");
    else if (!device.startsWith("cuda")) fallback(`the sample batch is on ${device}, and CUDA graphs need CUDA tensors`);
    else {
      // An optimizer whose step reads the device from the host (Adam without capturable) would fail the capture,
      // or worse, bake one step's bias corrections into every replay: run eagerly and say how to fix it.
      const why = typeof (optimizer as any)._captureProblem === "function" ? (optimizer as any)._captureProblem() : null;
      if (why) fallback(why);
    }
  }
  const useGraph = opts.graph !== false && fallbackReason === null;

  const zeroGrad = (setToNone: boolean) => {
    if (typeof optimizer.zeroGrad === "function") { optimizer.zeroGrad({ setToNone }); return; }
    for (const g of optimizer.paramGroups)
      for (const p of g.params) {
        if (setToNone) { p.grad = null; continue; }
        const gr = p.grad;
        if (gr) { gr.zero_(); gr.dispose(); }
      }
  };
  // forward, loss, backward, optimizer step, metrics: no host synchronisation.
  const body = (x: Tensor, y: Tensor, cacheEnabled: boolean) => tidy(() => {
    const run = () => { const out = callForward(model, x); return [out, callLoss(lossFn, out, y)] as const; };
    const [out, loss] = opts.autocastDtype ? autocast(acDevice, { dtype: opts.autocastDtype, cacheEnabled }, run) : run();
    loss.backward();
    optimizer.step();
    noGrad(() => {
      lossSum.inplace("aten::add_", loss.detach().float());
      if (countAcc) correct.inplace("aten::add_", out.argmax(1).eq(y).sum());
    });
  });
  const eager = (x: Tensor, y: Tensor, setToNone: boolean) => {
    const xd = x.device === device ? x : x.to(device, { nonBlocking: true });
    const yd = y.device === device ? y : y.to(device, { nonBlocking: true });
    try { zeroGrad(setToNone); body(xd, yd, true); }
    finally { if (xd !== x) xd.dispose(); if (yd !== y) yd.dispose(); }
  };

  let staticX: Tensor | null = null, staticY: Tensor | null = null;
  let g: cuda.CUDAGraph | null = null;
  let side: cuda.Stream | null = null;
  let warm = 0;
  const xShape = sampleX.shape, yShape = sampleY.shape;

  const step = (x: Tensor, y: Tensor) => {
    const n = x.shape[0] ?? 1;
    if (!useGraph || fallbackReason !== null) { eager(x, y, true); samples += n; steps++; return; }
    if (!sameShape(x.shape, xShape) || !sameShape(y.shape, yShape)) {
      // Keep the captured gradient buffers: zero them in place instead of dropping them.
      eager(x, y, g === null); samples += n; steps++; return;
    }
    side ??= new cuda.Stream();
    const cur = cuda.currentStream();
    if (warm < warmupSteps) {
      side.waitStream(cur);
      cuda.stream(side, () => eager(x, y, true));
      cur.waitStream(side);
      warm++; samples += n; steps++;
      return;
    }
    if (!staticX) { staticX = keep(sampleX.clone()); staticY = keep(sampleY.clone()); }
    staticX.copy_(x, true);
    staticY!.copy_(y, true);
    if (!g) {
      zeroGrad(true);
      const graph = new cuda.CUDAGraph();
      try {
        cuda.graph(graph, () => body(staticX!, staticY!, false), { stream: side });
      } catch (e: any) {
        try { graph.reset(); } catch { /* nothing captured */ }
        fallback(`CUDA graph capture failed (${String(e?.message ?? e).split("\n")[0]})`);
        eager(x, y, true); samples += n; steps++;
        return;
      }
      g = graph;
    }
    g.replay();
    samples += n; steps++;
  };

  return {
    step,
    readMetrics(): StepMetrics {
      const [l, c] = tidy(() => Array.from(callOp("aten::stack", [lossSum, correct.to(float32)]).cpu().dataNumbers() as Float32Array));
      const r = { loss: steps ? l / steps : NaN, accuracy: countAcc ? (samples ? c / samples : NaN) : null, samples, steps };
      lossSum.zero_(); correct.zero_();
      samples = 0; steps = 0;
      return r;
    },
    recapture(): void { if (g) { g.reset(); g = null; } },
    get graphed() { return g !== null; },
    get fallbackReason() { return fallbackReason; },
    dispose(): void {
      if (g) { g.reset(); g = null; }
      staticX?.dispose(); staticY?.dispose(); lossSum.dispose(); correct.dispose();
    },
  };
}
