// torchts: PyTorch for TypeScript.
import { native, buildInfo } from "./native";
import { Tensor } from "./tensor";
import { TorchError } from "./errors";
import { OutOfMemoryError } from "./errors";

native.setFactories((id: number) => new Tensor(id), TorchError);
native.setOutOfMemoryErrorClass(OutOfMemoryError);

export * from "./dtype";
export * from "./tensor";
export * from "./functions";
export * from "./_generated/unary";
export * from "./_generated/binary";
export { tidy, keep, dispose, memory } from "./memory";
export { noGrad, enableGrad, inferenceMode, isGradEnabled, setGradEnabled, isInferenceModeEnabled } from "./autograd";
export * as autograd from "./autograd";
export { ops, callOp, schemas } from "./ops";
export { setPrintOptions } from "./tensor_str";
export { Generator, defaultGenerator } from "./generator";
export * as data from "./data";
export * as vision from "./vision";
export { TorchError, buildInfo };
export * as cuda from "./cuda";
export * as amp from "./amp";
export * as backends from "./backends";
export { autocast } from "./amp";
export { setFloat32MatmulPrecision, getFloat32MatmulPrecision } from "./backends";
export { OutOfMemoryError } from "./errors";
export const version: string = require("../package.json").version;
export { save, load } from "./serialization";
export type { LoadOptions, MapLocation } from "./serialization";
export { getRngState, setRngState } from "./random";
export * as safetensors from "./safetensors";
export * as jit from "./jit";
export * as optim from "./optim";
export * as train from "./train";
export * as nn from "./nn";
export * as distributed from "./distributed";
