"""The Python side of bench/ddp.ts: DistributedDataParallel over WORLD gloo processes on the CPU, the tutorial's
CIFAR-10 CNN (scripts/cifar10_cnn.py), Adam, synthetic batches; prints one JSON line {"img_s": ...} (all ranks).

  python3 bench/ddp_torch.py --world 2 --batch 32 --steps 30 --warmup 3 --threads 1
"""
import argparse, json, os, sys, tempfile, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../scripts"))
from cifar10_cnn import Cifar10CNN  # noqa: E402


def worker(rank, a, path, q):
    torch.set_num_threads(a.threads)
    dist.init_process_group("gloo", init_method="file://" + path, rank=rank, world_size=a.world)
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(Cifar10CNN())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xs = torch.randn(4, a.batch, 3, 32, 32)
    ys = torch.randint(0, 10, (4, a.batch))

    def step(i):
        opt.zero_grad()
        loss = loss_fn(model(xs[i % 4]), ys[i % 4])
        loss.backward()
        opt.step()

    for i in range(a.warmup):
        step(i)
    dist.barrier()
    t0 = time.perf_counter()
    for i in range(a.steps):
        step(i)
    dist.barrier()
    dt = time.perf_counter() - t0
    if rank == 0:
        q.put(a.world * a.batch * a.steps / dt)
    dist.destroy_process_group()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    for k, v in (("world", 2), ("batch", 32), ("steps", 30), ("warmup", 3), ("threads", 1)):
        ap.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    path = tempfile.mktemp(prefix="ddp-bench-")
    ps = [ctx.Process(target=worker, args=(r, a, path, q)) for r in range(a.world)]
    for p in ps:
        p.start()
    img_s = q.get()
    for p in ps:
        p.join()
    print(json.dumps({"img_s": img_s, "torch": torch.__version__}))
