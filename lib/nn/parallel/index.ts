// torch.nn.parallel
export { DataParallel } from "./data_parallel";
export type { DataParallelOptions } from "./data_parallel";
export { DistributedDataParallel } from "./distributed";
export type { DistributedDataParallelOptions } from "./distributed";
