// Checkpoints: model, optimizer, scheduler, epoch, RNG state and extras in one torch.save file, written atomically.
// The layout is the PyTorch tutorial's ("model_state_dict", "optimizer_state_dict", "epoch", ...), so Python reads it.
import * as fs from "fs";
import * as path from "path";
import { save, load, MapLocation } from "../serialization";
import { getRngState, setRngState, cudaGetRngStateAll, cudaSetRngStateAll } from "../random";
import { tidy, dispose } from "../memory";
import { Tensor } from "../tensor";

/** Anything with PyTorch's state-dict pair: modules, optimizers, schedulers. */
export interface Stateful { stateDict(): any; loadStateDict(sd: any, opts?: any): any; }

export interface CheckpointParts {
  model?: Stateful;
  optimizer?: Stateful;
  scheduler?: Stateful;
  epoch?: number;
  /** Anything else (metrics, step counts, config): numbers, strings, Tensors, arrays, plain objects. */
  [extra: string]: any;
}

export interface LoadCheckpointOptions {
  model?: Stateful;
  optimizer?: Stateful;
  scheduler?: Stateful;
  mapLocation?: MapLocation;
  /** Passed to model.loadStateDict (default true). */
  strict?: boolean;
  /** Restore the RNG state saved with the checkpoint (default true), so resumed training draws the same numbers. */
  restoreRng?: boolean;
}

const KEYS = { model: ["model_state_dict", "state_dict", "model"], optimizer: ["optimizer_state_dict", "optimizer"], scheduler: ["scheduler_state_dict", "scheduler", "lr_scheduler"] };
const RESERVED = new Set(["model_state_dict", "optimizer_state_dict", "scheduler_state_dict", "rng_state", "cuda_rng_state"]);

/**
 * Saves a training checkpoint. The file is written to a temporary name in the same folder, flushed, then renamed
 * over `file`, so a crash never leaves a half-written checkpoint behind.
 */
export function saveCheckpoint(file: string, parts: CheckpointParts): void {
  if (typeof file !== "string") throw new TypeError("argument 'path' must be a string");
  const { model, optimizer, scheduler, epoch, ...extra } = parts ?? {};
  for (const k of Object.keys(extra)) if (RESERVED.has(k)) throw new TypeError(`saveCheckpoint: '${k}' is a reserved key`);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  tidy(() => {  // the state dicts' handles are freed once written
    const ckpt: Record<string, any> = {};
    if (epoch !== undefined) ckpt.epoch = epoch;
    if (model) ckpt.model_state_dict = model.stateDict();
    if (optimizer) ckpt.optimizer_state_dict = optimizer.stateDict();
    if (scheduler) ckpt.scheduler_state_dict = scheduler.stateDict();
    ckpt.rng_state = getRngState();
    const cuda = cudaGetRngStateAll();
    if (cuda.length) ckpt.cuda_rng_state = cuda;
    Object.assign(ckpt, extra);
    try {
      save(ckpt, tmp);
      const fd = fs.openSync(tmp, "r+");
      try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
      fs.renameSync(tmp, file);
    } catch (e: any) {
      try { fs.unlinkSync(tmp); } catch { /* not created */ }
      throw new Error(`saveCheckpoint('${file}'): ${e.message.replace(/^torch\.save\('[^']*'\): /, "")}`);
    }
  });
}

function take(ckpt: Record<string, any>, names: string[]): any {
  for (const n of names) if (n in ckpt) { const v = ckpt[n]; delete ckpt[n]; return v; }
  return undefined;
}

/**
 * Loads a checkpoint into the given model, optimizer and scheduler and restores the RNG state. Returns the rest of
 * the checkpoint ({ epoch, ...extras }); the consumed state dicts are freed after being copied in.
 */
export function loadCheckpoint(file: string, opts: LoadCheckpointOptions = {}): Record<string, any> {
  const ckpt = load(file, { mapLocation: opts.mapLocation });
  if (!ckpt || typeof ckpt !== "object" || Array.isArray(ckpt) || ckpt instanceof Tensor)
    throw new Error(`loadCheckpoint('${file}'): not a checkpoint (expected a dict)`);
  const parts: [keyof typeof KEYS, Stateful | undefined][] = [["model", opts.model], ["optimizer", opts.optimizer], ["scheduler", opts.scheduler]];
  for (const [kind, target] of parts) {
    if (!target) continue;
    const sd = take(ckpt, KEYS[kind]);
    if (sd === undefined) throw new Error(`loadCheckpoint('${file}'): the checkpoint has no ${kind} state (looked for ${KEYS[kind].join(", ")})`);
    try {
      if (kind === "model") target.loadStateDict(sd, { strict: opts.strict ?? true });
      else target.loadStateDict(sd);
    } finally {
      dispose(sd);
    }
  }
  const rng = ckpt.rng_state, cudaRng = ckpt.cuda_rng_state;
  delete ckpt.rng_state;
  delete ckpt.cuda_rng_state;
  if (opts.restoreRng ?? true) {
    if (rng instanceof Tensor) setRngState(rng);
    if (Array.isArray(cudaRng)) cudaSetRngStateAll(cudaRng);
  }
  dispose([rng, cudaRng]);
  return ckpt;
}
