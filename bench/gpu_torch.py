"""The Python PyTorch side of bench/gpu.ts: trains the tutorial's CIFAR-10 CNN on synthetic, device-resident
data and prints one JSON line {"img_s": ..., "ms_per_step": ...}.

  python3 bench/gpu_torch.py --batch 64 --steps 300 --warmup 10 --mode eager|amp_cl|graph
modes: eager (float32), amp_cl (bfloat16 autocast + channels_last + cudnn.benchmark),
graph (amp_cl with the whole training step captured in a CUDA graph and replayed).
The model, optimizer (Adam, capturable=True in graph mode) and step are those of bench/gpu.ts
(examples/models/cifar10_cnn.ts).
"""
import argparse, json, time
import torch
import torch.nn as nn
import os as _os, sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "../scripts"))
from cifar10_cnn import Cifar10CNN  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--mode", choices=["eager", "amp_cl", "graph"], default="eager")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": "CUDA not available"}))
        return
    dev = "cuda"
    torch.manual_seed(0)
    fast = a.mode in ("amp_cl", "graph")
    torch.backends.cudnn.benchmark = fast
    model = Cifar10CNN().to(dev)
    if fast:
        model = model.to(memory_format=torch.channels_last)
    # the tutorial's optimizer; capturable (step counter on the device) where the step is graphed, as in bench/gpu.ts
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=(a.mode == "graph"))
    loss_fn = nn.CrossEntropyLoss()
    nb = 16  # distinct device-resident batches, cycled
    xs = torch.randn(nb, a.batch, 3, 32, 32, device=dev)
    ys = torch.randint(0, 10, (nb, a.batch), device=dev)
    if fast:
        xs = torch.stack([x.contiguous(memory_format=torch.channels_last) for x in xs])

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=fast, cache_enabled=(a.mode != "graph")):
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if a.mode == "graph":
        sx = xs[0].clone()
        sy = ys[0].clone()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for i in range(3):
                step(sx, sy)
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(g):
            with torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False):
                static_loss = loss_fn(model(sx), sy)
            static_loss.backward()
            opt.step()

        def run(i):
            sx.copy_(xs[i % nb])
            sy.copy_(ys[i % nb])
            g.replay()
    else:
        def run(i):
            step(xs[i % nb], ys[i % nb])

    for i in range(a.warmup):
        run(i)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(a.steps):
        run(i)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    print(json.dumps({"img_s": a.batch * a.steps / dt, "ms_per_step": 1000 * dt / a.steps,
                      "torch": torch.__version__, "device": torch.cuda.get_device_name()}))


if __name__ == "__main__":
    main()
