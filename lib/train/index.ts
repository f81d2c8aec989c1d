// Training helpers: callbacks for explicit loops, checkpoints (and, later, fit/progress/history).
export * from "./callbacks";
export { saveCheckpoint, loadCheckpoint } from "./checkpoint";
export type { CheckpointParts, LoadCheckpointOptions, Stateful } from "./checkpoint";
