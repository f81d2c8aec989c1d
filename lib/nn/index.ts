// torch.nn for TypeScript: modules, layers, losses, functional, init and utils.
export { Module, Parameter } from "./module";
export type { StateDict, IncompatibleKeys, RemovableHandle, ForwardHook, ForwardPreHook } from "./module";
export type { FactoryOptions } from "./common";
export * from "./linear";
export * from "./flatten";
export * from "./conv";
export * from "./batchnorm";
export * from "./activation";
export * from "./pooling";
export * from "./dropout";
export * from "./sparse";
export * from "./container";
export * from "./loss";
export { summary, ModelSummary } from "./summary";
export type { LayerSummary, SummaryOptions } from "./summary";
export * as functional from "./functional";
export * as init from "./init";
export * as utils from "./utils";
