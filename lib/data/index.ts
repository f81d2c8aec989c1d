// torch.utils.data
export { Dataset, IterableDataset, ChainDataset, TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset";
export type { DatasetLike, NativeSource } from "./dataset";
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler, DistributedSampler } from "./sampler";
export { defaultCollate, defaultConvert } from "./collate";
export { DataLoader, DataLoaderIterator, DataLoaderError } from "./dataloader";
export type { DataLoaderOptions } from "./dataloader";
export { DeviceLoader, DeviceDataset } from "./device_loader";
export type { DeviceLoaderOptions } from "./device_loader";
export { getWorkerInfo } from "./worker_pack";
export type { WorkerInfo } from "./worker_pack";
