# Random tensors and their repr(), for the interop check in test/tensor.test.ts (printed as JSON).
import torch, json, math
torch.manual_seed(1)
out=[]
for i in range(300):
    nd = i % 4
    shape = [int(x) for x in torch.randint(1, 6 if i%7 else 40, (nd,))]
    kind = i % 6
    if kind == 0: t = torch.randn(shape) * 10 ** float(torch.randint(-6, 9, ()))
    elif kind == 1: t = torch.randint(-1000, 1000, shape)
    elif kind == 2: t = torch.randn(shape).round()
    elif kind == 3: t = torch.randn(shape, dtype=torch.float64)
    elif kind == 4: t = torch.rand(shape) > 0.5
    else:
        t = torch.randn(shape)
        if t.numel() > 1: t.view(-1)[0] = float('nan'); t.view(-1)[-1] = float('inf')
    flat = t.reshape(-1).tolist()
    if t.dtype.is_floating_point: flat = [x if math.isfinite(x) else str(x) for x in flat]
    out.append({"dtype": str(t.dtype)[6:], "shape": list(t.shape), "data": flat, "repr": repr(t)})
print(json.dumps(out))
