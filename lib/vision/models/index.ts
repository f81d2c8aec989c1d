// torchvision.models: ResNet, VGG, EfficientNet and ConvNeXt with torchvision's module names and state-dict keys,
// so torchvision's weight files load unchanged. Weight files: vision.models.weightUrls (download them, or pass
// download: true to fetch into torch.hub's cache with the checksum checked).
export * from "./resnet";
export * from "./vgg";
export * from "./efficientnet";
export * from "./convnext";
export {
  weightUrls, hubDir, downloadUrlToFile, loadStateDictFromUrl, Conv2dNormActivation, SqueezeExcitation,
  StochasticDepth, stochasticDepth, Permute, makeDivisible,
} from "./_utils";
export type { WeightsOptions, ConvNormActivationOptions, LayerFactory } from "./_utils";
