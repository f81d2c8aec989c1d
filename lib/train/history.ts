// Per-epoch training metrics, as Keras' History: history.history["val_loss"][epoch].
import * as fs from "fs";

/** One epoch's metrics, e.g. `{ loss: 0.3, accuracy: 0.91, val_loss: 0.25, val_accuracy: 0.93, lr: 1e-3 }`. */
export type Logs = Record<string, number>;

/**
 * Metrics recorded once per epoch. `history.history` maps each metric name to its values by epoch (as in
 * Keras); `history.epoch` lists the epoch indices. Filled by `train.fit()`, or by hand in an explicit loop:
 * `history.add(epoch, { loss, accuracy, val_loss, val_accuracy })`.
 */
export class History {
  /** Epoch indices in the order they were added. */
  readonly epoch: number[] = [];
  /** Metric name → one value per epoch (NaN where an epoch lacked the metric). */
  readonly history: Record<string, number[]> = {};
  /** Free-form facts about the run (epochs, batch size, stopped epoch, time ...). */
  params: Record<string, any> = {};

  /** Records the metrics of one epoch. */
  add(epoch: number, logs: Logs): this {
    const n = this.epoch.length;
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (typeof v !== "number") continue;
      if (!this.history[k]) this.history[k] = new Array(n).fill(NaN);
      this.history[k].push(v);
    }
    for (const k of Object.keys(this.history)) if (this.history[k].length === n) this.history[k].push(NaN);
    return this;
  }

  /** Number of epochs recorded. */
  get length(): number { return this.epoch.length; }
  /** Metric names, in first-seen order. */
  get keys(): string[] { return Object.keys(this.history); }
  /** The values of one metric (empty when unknown). */
  get(key: string): number[] { return this.history[key] ?? []; }
  /** The metrics of the last epoch (or of epoch index i; negative counts from the end). */
  last(i = -1): Logs {
    const j = i < 0 ? this.length + i : i;
    const out: Logs = {};
    for (const k of this.keys) out[k] = this.history[k][j];
    return out;
  }
  /** The best value of a metric and the epoch it was reached; mode "auto" takes max for names with "acc". */
  best(key: string, mode: "min" | "max" | "auto" = "auto"): { value: number; epoch: number } {
    const vals = this.get(key);
    const m = mode === "auto" ? (key.includes("acc") ? "max" : "min") : mode;
    let bi = -1;
    vals.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      if (bi < 0 || (m === "min" ? v < vals[bi] : v > vals[bi])) bi = i;
    });
    return bi < 0 ? { value: NaN, epoch: -1 } : { value: vals[bi], epoch: this.epoch[bi] };
  }

  /** Rows of { epoch, ...metrics }. */
  toRecords(): Array<Logs & { epoch: number }> {
    return this.epoch.map((e, i) => {
      const r: any = { epoch: e };
      for (const k of this.keys) r[k] = this.history[k][i];
      return r;
    });
  }
  toJSON(): { epoch: number[]; history: Record<string, number[]>; params: Record<string, any> } {
    return { epoch: [...this.epoch], history: { ...this.history }, params: this.params };
  }
  /** CSV with a header line: epoch,loss,accuracy,... */
  toCSV(): string {
    const keys = this.keys;
    const lines = [["epoch", ...keys].join(",")];
    for (const r of this.toRecords()) lines.push([r.epoch, ...keys.map((k) => r[k])].join(","));
    return lines.join("\n") + "\n";
  }
  /** Writes JSON (or CSV when the path ends in .csv). */
  save(path: string): void {
    fs.writeFileSync(path, path.endsWith(".csv") ? this.toCSV() : JSON.stringify(this.toJSON(), null, 1));
  }
  /** Reads a History written by save() as JSON. */
  static load(path: string): History {
    const j = JSON.parse(fs.readFileSync(path, "utf8"));
    const h = new History();
    h.params = j.params ?? {};
    j.epoch.forEach((e: number, i: number) => {
      const logs: Logs = {};
      for (const [k, v] of Object.entries<number[]>(j.history)) logs[k] = v[i] ?? NaN;
      h.add(e, logs);
    });
    return h;
  }
  toString(): string {
    return this.toRecords().map((r) => `epoch ${r.epoch + 1}: ` + this.keys.map((k) => `${k}=${fmt(r[k])}`).join(" ")).join("\n");
  }
}

function fmt(v: number): string {
  return Number.isNaN(v) ? "-" : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
