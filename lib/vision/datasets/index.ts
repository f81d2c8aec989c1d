// torchvision.datasets
export { CIFAR10, CIFAR100 } from "./cifar";
export type { CIFAROptions } from "./cifar";
export { MNIST, FashionMNIST } from "./mnist";
export type { MNISTOptions } from "./mnist";
export { ImageFolder, IMG_EXTENSIONS, decodeImages } from "./folder";
export { FakeData } from "./fakedata";
export type { FakeDataOptions } from "./fakedata";
export type { ImageFolderOptions } from "./folder";
export { ImageTensorDataset, calculateMd5, checkIntegrity, extractArchive, downloadUrl, downloadAndExtractArchive, readTar, readIdx } from "./utils";
export type { VisionDatasetOptions } from "./utils";
