// Charts: training curves and confusion matrices (vega-lite → SVG), image grids (hand-made SVG); PNG by resvg.
import * as fs from "fs";
import * as path from "path";
import { Tensor, tensor } from "../tensor";
import { tidy } from "../memory";
import { callOp } from "../ops";
import * as dt from "../dtype";
import { History } from "./history";
import { encodePNG, toPixels, upscale } from "./png";

// vega and vega-lite are ESM-only: keep a real dynamic import (tsc would turn `import()` into require()).
const esmImport = new Function("s", "return import(s)") as (s: string) => Promise<any>;
let vegaLibs: Promise<{ vega: any; vl: any }> | null = null;
function loadVega(): Promise<{ vega: any; vl: any }> {
  vegaLibs ??= Promise.all([esmImport("vega"), esmImport("vega-lite")]).then(([vega, vl]) => ({ vega, vl }));
  return vegaLibs;
}

const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** Renders a vega-lite spec to an SVG string (headless, no browser). */
export async function vegaLiteToSVG(spec: Record<string, any>): Promise<string> {
  const { vega, vl } = await loadVega();
  const full = { background: "white", ...spec, config: { font: FONT, ...(spec.config ?? {}) } };
  const view = new vega.View(vega.parse(vl.compile(full).spec), { renderer: "none" });
  try { return await view.toSVG(); } finally { view.finalize(); }
}

/** Rasterises an SVG string to PNG bytes with resvg (system fonts), scaled by `scale`. */
export function svgToPNG(svg: string, scale = 2): Buffer {
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const r = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return r.render().asPng();
}

/** The .svg and .png paths for an output path given with either extension (or none). */
function outPaths(p: string): { svg: string; png: string } {
  const ext = path.extname(p).toLowerCase();
  const base = ext === ".png" || ext === ".svg" ? p.slice(0, -ext.length) : p;
  return { svg: base + ".svg", png: base + ".png" };
}

async function writeChart(svg: string, file: string, scale: number): Promise<{ svg: string; png: string }> {
  const out = outPaths(file);
  fs.mkdirSync(path.dirname(path.resolve(out.svg)), { recursive: true });
  fs.writeFileSync(out.svg, svg);
  fs.writeFileSync(out.png, svgToPNG(svg, scale));
  return out;
}

export interface PlotHistoryOptions {
  /** Metrics to draw, one panel each (default: accuracy and loss, or every metric without "val_"). */
  metrics?: string[];
  /** Title above the panels. */
  title?: string;
  /** Panel size in pixels (default 320 × 220). */
  width?: number;
  height?: number;
  /** PNG pixel scale (default 2). */
  scale?: number;
}

function titleCase(s: string): string { return s.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase()); }

/** The vega-lite spec plotHistory draws: one panel per metric, train vs validation, by epoch. */
export function historySpec(history: History, opts: PlotHistoryOptions = {}): Record<string, any> {
  const keys = history.keys;
  let metrics = opts.metrics;
  if (!metrics) {
    const acc = keys.find((k) => k === "accuracy" || k === "acc");
    metrics = acc && keys.includes("loss") ? [acc, "loss"] : keys.filter((k) => !k.startsWith("val_") && k !== "lr");
  }
  const panels = metrics.map((m) => {
    const values: any[] = [];
    history.epoch.forEach((e, i) => {
      for (const [key, split] of [[m, "train"], [`val_${m}`, "validation"]]) {
        const v = history.history[key]?.[i];
        if (v !== undefined && Number.isFinite(v)) values.push({ epoch: e + 1, value: v, split });
      }
    });
    return {
      title: titleCase(m),
      width: opts.width ?? 320,
      height: opts.height ?? 220,
      data: { values },
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "Epoch", axis: { tickMinStep: 1, format: "d" } },
        y: { field: "value", type: "quantitative", title: titleCase(m), scale: { zero: false } },
        color: {
          field: "split", type: "nominal", title: null,
          scale: { domain: ["train", "validation"], range: ["#1f77b4", "#ff7f0e"] },
          legend: { orient: /acc/.test(m) ? "bottom-right" : "top-right" },
        },
      },
    };
  });
  return { ...(opts.title ? { title: opts.title } : {}), hconcat: panels, resolve: { scale: { color: "shared" } } };
}

/**
 * Draws the training curves (accuracy and loss, train vs validation, by epoch) side by side and writes them
 * as SVG and PNG: `await train.plotHistory(history, "runs/x/curves.png")` writes curves.svg and curves.png.
 */
export async function plotHistory(history: History, file: string, opts: PlotHistoryOptions = {}): Promise<{ svg: string; png: string }> {
  if (history.length === 0) throw new RangeError("plotHistory: the history is empty");
  return writeChart(await vegaLiteToSVG(historySpec(history, opts)), file, opts.scale ?? 2);
}

// ---- confusion matrix ----

function labelsOf(v: Tensor | ArrayLike<number>): number[] {
  if (v instanceof Tensor) return tidy(() => Array.from(v.detach().cpu().to(dt.int64).flatten().data() as BigInt64Array, Number));
  return Array.from(v);
}

/**
 * Counts of (true class, predicted class) pairs: `cm[t][p]` is the number of samples of class t predicted as p.
 * `yPred` may be class indices or [N, C] scores (argmax is taken).
 */
export function confusionMatrix(yTrue: Tensor | ArrayLike<number>, yPred: Tensor | ArrayLike<number>, numClasses?: number): number[][] {
  const t = labelsOf(yTrue);
  const p = yPred instanceof Tensor && yPred.dim() === 2 ? tidy(() => labelsOf(yPred.argmax(1))) : labelsOf(yPred);
  if (t.length !== p.length) throw new RangeError(`confusionMatrix: ${t.length} labels but ${p.length} predictions`);
  const n = numClasses ?? Math.max(0, ...t, ...p) + 1;
  const cm = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < t.length; i++) {
    if (t[i] < 0 || t[i] >= n || p[i] < 0 || p[i] >= n) throw new RangeError(`confusionMatrix: class index out of range [0, ${n})`);
    cm[t[i]][p[i]]++;
  }
  return cm;
}

export interface PlotConfusionMatrixOptions {
  classNames?: string[];
  /** Show row-normalised rates instead of counts (default false). */
  normalize?: boolean;
  title?: string;
  /** Cell size in pixels (default 36). */
  cellSize?: number;
  scale?: number;
}

/** Draws a confusion matrix as a heat map with the counts written in (SVG and PNG). */
export async function plotConfusionMatrix(cm: number[][], file: string, opts: PlotConfusionMatrixOptions = {}): Promise<{ svg: string; png: string }> {
  const n = cm.length;
  const names = opts.classNames ?? cm.map((_, i) => String(i));
  const values: any[] = [];
  cm.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((c, j) => {
      const v = opts.normalize ? c / total : c;
      values.push({ truth: names[i], pred: names[j], v, label: opts.normalize ? v.toFixed(2) : String(c) });
    });
  });
  const max = Math.max(...values.map((d) => d.v), 1e-12);
  const size = (opts.cellSize ?? 36) * n;
  const axis = (t: string) => ({ field: t === "Predicted" ? "pred" : "truth", type: "ordinal", sort: names, title: t, axis: { labelAngle: 0 } });
  const spec = {
    title: opts.title ?? "Confusion matrix",
    width: size, height: size,
    data: { values: values.map((d) => ({ ...d, light: d.v > max / 2 })) },
    encoding: { x: axis("Predicted"), y: axis("True") },
    layer: [
      { mark: "rect", encoding: { color: { field: "v", type: "quantitative", title: opts.normalize ? "rate" : "count", scale: { scheme: "blues" } } } },
      { mark: { type: "text", fontSize: n > 12 ? 8 : 11 }, encoding: { text: { field: "label" }, color: { condition: { test: "datum.light", value: "white" }, value: "black" } } },
    ],
  };
  return writeChart(await vegaLiteToSVG(spec), file, opts.scale ?? 2);
}

// ---- image grids ----

export interface PlotImagesOptions {
  /** True class indices. */
  labels?: Tensor | ArrayLike<number>;
  /** Predicted class indices, or [N, C] scores / logits (softmax gives the confidence shown). */
  predictions?: Tensor | ArrayLike<number>;
  /** Confidence of each prediction in [0, 1] (derived from scores when predictions are [N, C]). */
  confidences?: ArrayLike<number>;
  classNames?: string[];
  /** Images per row (default 8). */
  ncols?: number;
  /** Undo Normalize(mean, std) before drawing. */
  mean?: number[];
  std?: number[];
  /** Pixel size of one image cell (default 84). */
  cellSize?: number;
  title?: string;
  scale?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" }[c]!));
}

/**
 * Draws NCHW (or NHW) images in a grid, each captioned with its predicted label (and confidence) and true
 * label: green when right, red when wrong. Writes SVG and PNG.
 */
export async function plotImages(images: Tensor, file: string, opts: PlotImagesOptions = {}): Promise<{ svg: string; png: string }> {
  const { cells, preds, confs } = tidy(() => {
    let x = images.detach().cpu().float();
    if (x.dim() === 3) x = x.unsqueeze(1);
    if (x.dim() !== 4) throw new RangeError(`plotImages expects NCHW images, got shape [${images.shape}]`);
    const c = x.shape[1];
    if (opts.mean && opts.std) {
      const m = Array.from({ length: c }, (_, i) => opts.mean![i % opts.mean!.length]);
      const s = Array.from({ length: c }, (_, i) => opts.std![i % opts.std!.length]);
      x = x.mul(fromList(s).view([1, c, 1, 1])).add(fromList(m).view([1, c, 1, 1]));
    }
    // Scale each image to [0, 1] when it lies outside it.
    const lo: Tensor = callOp("aten::amin", x, [1, 2, 3], true), hi: Tensor = callOp("aten::amax", x, [1, 2, 3], true);
    const outside = lo.lt(0).logicalOr(hi.gt(1));
    const scaled = x.sub(lo).div(hi.sub(lo).clamp(1e-12, null));
    x = scaled.where(outside, x);
    const cells = x.unbind(0).map((img) => toPixels(img, "CHW"));
    let preds: number[] | null = null, confs: number[] | null = null;
    const p = opts.predictions;
    if (p instanceof Tensor && p.dim() === 2) {
      const [conf, idx] = p.detach().cpu().float().softmax(1).max(1);
      preds = labelsOf(idx);
      confs = Array.from(conf.data() as Float32Array);
    } else if (p !== undefined) preds = labelsOf(p);
    return { cells, preds, confs };
  });
  const labels = opts.labels !== undefined ? labelsOf(opts.labels) : null;
  const conf = opts.confidences ? Array.from(opts.confidences) : confs;
  const name = (k: number) => opts.classNames?.[k] ?? String(k);
  const n = cells.length, ncols = Math.min(opts.ncols ?? 8, n), nrows = Math.ceil(n / ncols);
  const cell = opts.cellSize ?? 84, capH = (preds ? 16 : 0) + (labels ? 16 : 0), gap = 10;
  const colW = Math.max(cell, opts.classNames ? 110 : cell) + gap, rowH = cell + capH + gap;
  const top = opts.title ? 30 : 8;
  const W = ncols * colW + gap, H = top + nrows * rowH;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`];
  if (opts.title) parts.push(`<text x="${W / 2}" y="20" font-size="15" font-weight="bold" text-anchor="middle">${escapeXml(opts.title)}</text>`);
  cells.forEach((im, i) => {
    const k = Math.max(1, Math.floor(cell / Math.max(im.width, im.height)));
    const big = upscale(im.pixels, im.width, im.height, im.channels, k);
    const png = encodePNG(big.pixels, big.width, big.height, im.channels);
    const x0 = gap + (i % ncols) * colW, y0 = top + Math.floor(i / ncols) * rowH;
    const cx = x0 + (colW - gap) / 2;
    parts.push(`<image x="${cx - cell / 2}" y="${y0}" width="${cell}" height="${cell}" preserveAspectRatio="xMidYMid meet" xlink:href="data:image/png;base64,${png.toString("base64")}"/>`);
    let y = y0 + cell + 13;
    if (preds) {
      const ok = labels ? preds[i] === labels[i] : true;
      const c = conf ? ` (${(conf[i] * 100).toFixed(0)}%)` : "";
      parts.push(`<text x="${cx}" y="${y}" font-size="11" text-anchor="middle" fill="${labels ? (ok ? "#1a7f37" : "#cf222e") : "black"}">${escapeXml(name(preds[i]) + c)}</text>`);
      y += 15;
    }
    if (labels) parts.push(`<text x="${cx}" y="${y}" font-size="10" text-anchor="middle" fill="#555">true: ${escapeXml(name(labels[i]))}</text>`);
  });
  parts.push("</svg>");
  return writeChart(parts.join("\n"), file, opts.scale ?? 2);
}

function fromList(v: number[]): Tensor { return tensor(v, { dtype: dt.float32 }); }
