/** An error raised by libtorch; `message` is libtorch's own, without the C++ backtrace. */
export class TorchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TorchError";
  }
}

/** A GPU allocation failed (torch.cuda.OutOfMemoryError). Catch it, free tensors (and cuda.emptyCache()), go on. */
export class OutOfMemoryError extends TorchError {
  constructor(message: string) {
    super(message);
    this.name = "OutOfMemoryError";
  }
}
