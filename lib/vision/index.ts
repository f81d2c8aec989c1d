// torchvision
export * as transforms from "./transforms";
export * as datasets from "./datasets";
