// The random number generators' state, as torch.get_rng_state / torch.set_rng_state.
import { native } from "./native";
import { Tensor } from "./tensor";
import * as dt from "./dtype";

/** The CPU generator's state as a uint8 Tensor (the same bytes as Python's torch.get_rng_state()). */
export function getRngState(): Tensor { return new Tensor(native.GetRngState()); }

/** Restores the CPU generator from a state made by getRngState() (or Python's torch.get_rng_state()). */
export function setRngState(state: Tensor): void {
  if (!(state instanceof Tensor)) throw new TypeError("argument 'state' must be a Tensor");
  if (state.dtype !== dt.uint8) throw new TypeError(`RNG state must be a torch.uint8 tensor, got ${state.dtype}`);
  native.SetRngState(state._id);
}

/** The states of every CUDA device's generator (empty without CUDA). */
export function cudaGetRngStateAll(): Tensor[] {
  const n: number = native.CudaDeviceCount ? native.CudaDeviceCount() : 0;
  const out: Tensor[] = [];
  for (let d = 0; d < n; d++) {
    const id = native.CudaGetRngState(d);
    if (id !== null) out.push(new Tensor(id));
  }
  return out;
}

/** Restores the CUDA generators from cudaGetRngStateAll(). */
export function cudaSetRngStateAll(states: Tensor[]): void {
  const n: number = native.CudaDeviceCount ? native.CudaDeviceCount() : 0;
  states.slice(0, n).forEach((s, d) => native.CudaSetRngState(d, s._id));
}
