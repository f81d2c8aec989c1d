// torchvision
export * as transforms from "./transforms";
export * as datasets from "./datasets";
export * as models from "./models";
