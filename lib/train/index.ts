// Training helpers.
export { saveCheckpoint, loadCheckpoint } from "./checkpoint";
export type { CheckpointParts, LoadCheckpointOptions } from "./checkpoint";
