// torch.optim: optimisers and learning-rate schedules.
export { Optimizer, ParamGroup, ParamGroupSpec, Params, OptimizerStateDict } from "./optimizer";
export { SGD, SGDOptions } from "./sgd";
export { Adam, AdamW, AdamOptions } from "./adam";
export { RMSprop, RMSpropOptions } from "./rmsprop";
export { Adagrad, AdagradOptions } from "./adagrad";
export { Adadelta, AdadeltaOptions } from "./adadelta";
export { Adamax, AdamaxOptions } from "./adamax";
export { NAdam, NAdamOptions, RAdam, RAdamOptions } from "./nadam";
export * as lrScheduler from "./lr_scheduler";
