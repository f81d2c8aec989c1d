// torchvision
export * as models from "./models";
