// Linear and Identity.
import { Tensor } from "../tensor";
import { Module, Parameter, pyBool } from "./module";
import { FactoryOptions, emptyParam, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from "./init";
import { bilinear } from "./functional";

/** A placeholder that returns its input (torch.nn.Identity); constructor arguments are ignored. */
export class Identity extends Module {
  constructor(..._args: any[]) { super(); }
  _plan(b: PlanBuilder): void { b.num(Kind.Identity); }
  forward(x: Tensor): Tensor { return x; }
}
builtin(Identity);

export interface LinearOptions extends FactoryOptions { bias?: boolean; }

/** y = x Wᵀ + b (torch.nn.Linear). */
export class Linear extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  inFeatures: number;
  outFeatures: number;

  /** new Linear(3, 4, { bias: false }), or PyTorch's positional form new Linear(3, 4, false). */
  constructor(inFeatures: number, outFeatures: number, ...args: [opts?: LinearOptions] | [bias?: boolean, opts?: FactoryOptions]) {
    super();
    const opts = optionsOf<LinearOptions>("Linear", ["bias"], args);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.registerParameter("weight", emptyParam([outFeatures, inFeatures], opts));
    this.registerParameter("bias", opts?.bias ?? true ? emptyParam([outFeatures], opts) : null);
    this.resetParameters();
  }
  /** PyTorch's default: kaiming-uniform (a = √5) weight, U(-1/√fanIn, 1/√fanIn) bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Linear).t(this.weight).t(this.bias); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`; }
}
builtin(Linear);

/** A Linear under another name, as PyTorch's MultiheadAttention.out_proj is (it prints as such). */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** y = x1ᵀ A x2 + b (torch.nn.Bilinear); forward(input1, input2). */
export class Bilinear extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  in1Features: number;
  in2Features: number;
  outFeatures: number;
  /** new Bilinear(in1, in2, out, { bias: false }), or PyTorch's positional new Bilinear(in1, in2, out, false). */
  constructor(in1Features: number, in2Features: number, outFeatures: number, ...args: [opts?: LinearOptions] | [bias?: boolean, opts?: FactoryOptions]) {
    super();
    const opts = optionsOf<LinearOptions>("Bilinear", ["bias"], args);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    this.registerParameter("weight", emptyParam([outFeatures, in1Features, in2Features], opts));
    this.registerParameter("bias", opts.bias ?? true ? emptyParam([outFeatures], opts) : null);
    this.resetParameters();
  }
  /** PyTorch's default: U(-1/√in1, 1/√in1) for weight and bias. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }
  forward(input1: Tensor, input2: Tensor): Tensor { return bilinear(input1, input2, this.weight, this.bias); }
  extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
