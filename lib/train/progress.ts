// A per-epoch progress bar on cli-progress: samples done, loss/accuracy, samples per second, ETA.
import * as cliProgress from "cli-progress";

export interface ProgressBarOptions {
  /** Samples (or batches) in the epoch; 0 when unknown (no live bar then). */
  total: number;
  /** 0-based epoch index and epoch count, shown as "Epoch 3/10". */
  epoch?: number;
  epochs?: number;
  /** Unit of the counts, shown in the speed ("img/s"). Default "img". */
  unit?: string;
  /** Where to write (default process.stdout). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw a live bar (default: stream.isTTY). When false, print one line per epoch at stop(). */
  live?: boolean;
  /** Bar width in characters (default 25). */
  barSize?: number;
  /** Redraws per second at most (default 8). */
  fps?: number;
}

/** Formats metrics as "loss 0.1234  accuracy 97.25%": names containing "acc" as percentages. */
export function formatMetrics(metrics: Record<string, number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(metrics)) {
    if (v === undefined || Number.isNaN(v)) continue;
    if (/acc/.test(k)) parts.push(`${k} ${(v * 100).toFixed(2)}%`);
    else if (k === "lr" || k.endsWith("_lr")) parts.push(`${k} ${v.toExponential(1)}`);
    else parts.push(`${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`);
  }
  return parts.join("  ");
}

/** Seconds as "42s", "3m05s" or "1h02m". */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "--";
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Progress of one epoch. On a TTY a live cli-progress bar shows
 * `Epoch 2/5 |█████░░░| 24000/50000 img  loss 0.0912  accuracy 97.10%  1830 img/s  ETA 14s`;
 * elsewhere (CI, pipes) it stays quiet and prints one line when the epoch ends.
 *
 * ```ts
 * const bar = new train.ProgressBar({ total: n, epoch, epochs });
 * for (...) { ...; bar.tick(batchSize, { loss, accuracy }); }
 * bar.stop({ val_loss, val_accuracy });
 * ```
 */
export class ProgressBar {
  readonly total: number;
  readonly live: boolean;
  /** Samples done so far. */
  value = 0;
  /** Metrics shown after the counts (the last ones given). */
  metrics: Record<string, number> = {};
  private readonly startTime = Date.now();
  private readonly stream: NodeJS.WritableStream;
  private readonly label: string;
  private readonly unit: string;
  private bar: cliProgress.SingleBar | null = null;
  private stopped = false;

  constructor(opts: ProgressBarOptions) {
    this.total = opts.total;
    this.stream = opts.stream ?? process.stdout;
    this.live = this.total > 0 && (opts.live ?? (opts.stream ?? process.stdout).isTTY === true);
    this.unit = opts.unit ?? "img";
    this.label = opts.epoch !== undefined ? `Epoch ${opts.epoch + 1}${opts.epochs ? "/" + opts.epochs : ""}` : "";
    if (this.live) {
      this.bar = new cliProgress.SingleBar({
        format: `${this.label}${this.label ? " " : ""}|{bar}| {value}/{total} ${this.unit}  {metrics}  {speed}  {time}`,
        stream: this.stream as NodeJS.WritableStream as any,
        barsize: opts.barSize ?? 25,
        fps: opts.fps ?? 8,
        hideCursor: false,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        // A non-TTY stream only draws when asked to (live: true on a pipe, e.g. in tests).
        noTTYOutput: (this.stream as any).isTTY !== true,
        notTTYSchedule: 1000,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(this.total, 0, this.payload());
    }
  }

  /** Samples per second so far. */
  get rate(): number {
    const dt = (Date.now() - this.startTime) / 1000;
    return dt > 0 ? this.value / dt : 0;
  }
  /** Seconds since the bar started. */
  get elapsed(): number { return (Date.now() - this.startTime) / 1000; }
  /** Estimated seconds left. */
  get eta(): number { return this.rate > 0 && this.total > 0 ? (this.total - this.value) / this.rate : Infinity; }

  private payload(done = false) {
    return {
      metrics: formatMetrics(this.metrics),
      speed: `${this.rate >= 100 ? Math.round(this.rate) : this.rate.toFixed(1)} ${this.unit}/s`,
      time: done ? formatDuration(this.elapsed) : `ETA ${formatDuration(this.eta)}`,
    };
  }

  /** Sets the count of samples done and (optionally) the metrics shown. */
  update(value: number, metrics?: Record<string, number>): void {
    this.value = this.total > 0 ? Math.min(value, this.total) : value;
    if (metrics) this.metrics = { ...this.metrics, ...metrics };
    this.bar?.update(this.value, this.payload());
  }
  /** Adds n samples done. */
  tick(n = 1, metrics?: Record<string, number>): void { this.update(this.value + n, metrics); }

  /** The epoch's summary line (what a non-live bar prints at stop()). */
  summary(): string {
    const head = `${this.label}${this.label ? ": " : ""}${this.value} ${this.unit} in ${formatDuration(this.elapsed)}`;
    const p = this.payload(true);
    return [head, p.speed, p.metrics].filter((s) => s).join("  ");
  }

  /** Ends the epoch; extra metrics (e.g. validation) are added to the last line. Returns the summary line. */
  stop(metrics?: Record<string, number>): string {
    if (metrics) this.metrics = { ...this.metrics, ...metrics };
    const line = this.summary();
    if (this.stopped) return line;
    this.stopped = true;
    if (this.bar) {
      this.bar.update(this.value, this.payload(true));
      this.bar.stop();
    } else {
      this.stream.write(line + "\n");
    }
    return line;
  }
}
