// Training helpers: callbacks, checkpoints, progress, history, plots, TensorBoard, Keras-style fit.
export * from "./callbacks";
export { saveCheckpoint, loadCheckpoint } from "./checkpoint";
export type { CheckpointParts, LoadCheckpointOptions, Stateful } from "./checkpoint";
export * from "./history";
export * from "./progress";
export * from "./png";
export * from "./plot";
export * from "./tensorboard";
export * from "./fit_callbacks";
export * from "./fit";
