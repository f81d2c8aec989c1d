// torch.ops.aten: any operator by name through the dispatcher, on ops that have no typed wrapper.
import { expect } from "chai";
import * as torch from "../lib";

const aten = torch.ops.aten;
const arr = (t: torch.Tensor) => t.toArray();

describe("torch.ops.aten", () => {
  it("calls operators that have no typed wrapper", () => {
    const x = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 });
    expect(arr(aten.trace(x))).to.equal(5);
    expect(arr(aten.kron(x, torch.eye(2)))).to.deep.equal([[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]]);
    expect(arr(aten.diag_embed(torch.tensor([1, 2])))).to.deep.equal([[1, 0], [0, 2]]);
    expect(arr(aten.cummax(torch.tensor([1, 3, 2]), 0)[0])).to.deep.equal([1, 3, 3]);
    expect(arr(aten.heaviside(torch.tensor([-1, 0, 2], { dtype: torch.float32 }), torch.tensor([0.5])))).to.deep.equal([0, 0.5, 1]);
    expect(aten.linalg_det(x).item()).to.be.closeTo(-2, 1e-5);
    expect(arr(aten.bucketize(torch.tensor([1, 5, 9]), torch.tensor([2, 4, 6, 8])))).to.deep.equal([0, 2, 4]);
  });

  it("resolves overloads by argument type: add.Tensor vs add.Scalar", () => {
    const x = torch.tensor([1, 2], { dtype: torch.float32 });
    expect(arr(aten.add(x, torch.tensor([10, 20], { dtype: torch.float32 })))).to.deep.equal([11, 22]);
    expect(arr(aten.add(x, 3))).to.deep.equal([4, 5]);
    expect(arr(aten.pow(2, x))).to.deep.equal([2, 4]);              // pow.Scalar(Scalar self, Tensor exponent)
    expect(arr(aten.pow(x, 2))).to.deep.equal([1, 4]);              // pow.Tensor_Scalar
    expect(arr(aten.sum(torch.ones([2, 3]), [1]))).to.deep.equal([3, 3]);   // sum.dim_IntList
    expect(arr(aten.sum(torch.ones([2, 3])))).to.equal(6);           // sum (default)
  });

  it("takes keyword arguments in camelCase and snake_case", () => {
    const x = torch.ones([2, 3]);
    expect(aten.sum(x, [1], { keepdim: true }).shape).to.deep.equal([2, 1]);
    expect(aten.add(x, x, { alpha: 3 }).toArray()[0][0]).to.equal(4);
    const m = aten.mean(x, { dim: [0], keepdim: true, dtype: torch.float64 });
    expect(m.shape).to.deep.equal([1, 3]);
    expect(m.dtype).to.equal(torch.float64);
    const t = torch.ones([1, 2, 3, 4]);
    expect(aten.clone(t, { memoryFormat: torch.channelsLast }).isContiguous({ memoryFormat: torch.channelsLast })).to.equal(true);
    expect(aten.clone(t, { memory_format: torch.channelsLast }).isContiguous({ memoryFormat: torch.channelsLast })).to.equal(true);
    expect(arr(aten.div(torch.tensor([7, -7]), torch.tensor([2, 2]), { roundingMode: "floor" }))).to.deep.equal([3, -4]);
    expect(arr(aten.div(torch.tensor([7, -7]), torch.tensor([2, 2]), { rounding_mode: "trunc" }))).to.deep.equal([3, -3]);
    // One line when every overload gives that reason (libtorch 2.x without named tensors), else one per overload.
    expect(() => aten.sum(x, { bogus: 1 })).to.throw(TypeError, /unexpected keyword argument 'bogus'/);
  });

  it("an explicit overload: torch.ops.aten.add.Scalar, .Tensor, .default", () => {
    const x = torch.tensor([1, 2], { dtype: torch.float32 });
    expect(arr(aten.add.Scalar(x, 1))).to.deep.equal([2, 3]);
    expect(arr(aten.add.Tensor(x, x))).to.deep.equal([2, 4]);
    expect(() => aten.add.Scalar(x, x)).to.throw(TypeError, /add/);
    expect(aten.sum.default(x).item()).to.equal(3);
    expect(arr(aten.sum.dim_IntList(torch.ones([2, 2]), [0]))).to.deep.equal([2, 2]);
    expect(() => aten.add.NoSuchOverload(x, x)).to.throw(torch.TorchError, /no overload/);
  });

  it("returns several results as an array", () => {
    const x = torch.tensor([[3, 1, 2], [0, 5, 4]]);
    const [vals, idx] = aten.max(x, 1);
    expect(arr(vals)).to.deep.equal([3, 5]);
    expect(arr(idx)).to.deep.equal([0, 1]);
    const [q, r] = aten.linalg_qr(torch.eye(2));
    expect(q.shape).to.deep.equal([2, 2]);
    expect(r.shape).to.deep.equal([2, 2]);
    const [v, , c] = aten._unique2(torch.tensor([2, 1, 2]), true, false, true);
    expect(arr(v)).to.deep.equal([1, 2]);
    expect(arr(c)).to.deep.equal([1, 2]);
    const [m, s] = aten.std_mean(torch.tensor([1, 3], { dtype: torch.float32 }));
    expect(m.item()).to.be.closeTo(Math.SQRT2, 1e-6);
    expect(s.item()).to.equal(2);
  });

  it("takes Tensor[] and Tensor?[] arguments and returns Tensor[]", () => {
    const a = torch.tensor([1, 2]), b = torch.tensor([3, 4]);
    expect(arr(aten.cat([a, b]))).to.deep.equal([1, 2, 3, 4]);
    expect(arr(aten.stack([a, b], 1))).to.deep.equal([[1, 3], [2, 4]]);
    const parts = aten.split(torch.arange(5), 2);
    expect(parts.map(arr)).to.deep.equal([[0, 1], [2, 3], [4]]);
    const x = torch.arange(12).reshape(3, 4);
    expect(arr(aten.index(x, [null, torch.tensor([0, 3])]))).to.deep.equal([[0, 3], [4, 7], [8, 11]]);
    expect(arr(aten.index(x, [torch.tensor([2, 0])]))).to.deep.equal([[8, 9, 10, 11], [0, 1, 2, 3]]);
    const y = torch.zeros([3]);
    aten.index_put_(y, [torch.tensor([0, 2])], torch.tensor([5, 6], { dtype: torch.float32 }));
    expect(arr(y)).to.deep.equal([5, 0, 6]);
    expect(aten.meshgrid([a, b], { indexing: "ij" }).length).to.equal(2);
  });

  it("takes ScalarType, Device, Layout, bool, float, str and int[] arguments", () => {
    const z = aten.zeros([2, 2], { dtype: torch.float64, device: "cpu" });
    expect(z.dtype).to.equal(torch.float64);
    expect(z.device).to.equal("cpu");
    expect(aten.ones([2], { dtype: torch.int8 }).dtype).to.equal(torch.int8);
    expect(aten.full([2], 1.5, { dtype: torch.float16 }).dtype).to.equal(torch.float16);
    expect(aten.arange(0, 4, 2, { dtype: torch.int32 }).toArray()).to.deep.equal([0, 2]);
    expect(aten._to_copy(torch.tensor([1.5]), { dtype: torch.int64 }).toArray()).to.deep.equal([1]);
    expect(aten.to(torch.tensor([1.5]), "cpu", torch.float64).dtype).to.equal(torch.float64);
    expect(aten.empty([2, 3], { layout: torch.strided, pinMemory: false }).shape).to.deep.equal([2, 3]);
    expect(arr(aten.leaky_relu(torch.tensor([-2, 2], { dtype: torch.float32 }), 0.5))).to.deep.equal([-1, 2]);
    expect(aten.gelu(torch.tensor([1], { dtype: torch.float32 }), { approximate: "tanh" }).item()).to.be.closeTo(0.8412, 1e-4);
    expect(aten.cumsum(torch.tensor([true, true]), 0, { dtype: "int32" }).dtype).to.equal(torch.int32);
    expect(aten.max_pool2d(torch.ones([1, 1, 4, 4]), 2).shape).to.deep.equal([1, 1, 2, 2]);   // int[2] from one int
    expect(aten.size(torch.ones([2, 5]), 1)).to.equal(5);                 // an int return
    expect(aten.is_nonzero(torch.tensor([1]))).to.equal(true);           // a bool return
    expect(aten.equal(torch.ones([2]), torch.ones([2]))).to.equal(true);
  });

  it("lists schemas; unknown operators and bad arguments throw", () => {
    expect(torch.schemas("add").some((s) => s.startsWith("aten::add.Tensor("))).to.equal(true);
    expect(torch.schemas().length).to.be.greaterThan(1000);
    expect(() => aten.no_such_op(torch.ones([1]))).to.throw(torch.TorchError, /unknown operator 'aten::no_such_op'/);
    expect(() => aten.add("a", 1)).to.throw(TypeError, /^aten::add\(\): argument 'self' must be Tensor, not str$/);
    expect(() => aten.transpose(torch.ones([2, 2]), "a", 1)).to.throw(TypeError, /argument 'dim0' must be int, not str/);
    expect(() => aten.add(torch.ones([1]), "s")).to.throw(TypeError, /invalid combination of arguments: got \(Tensor, str\)[^]*argument 'other' must be Scalar, not str/);
    expect(() => aten.relu(torch.ones([1]), 1)).to.throw(TypeError, /takes 1 positional arguments but 2 were given/);
    expect(() => aten.relu(torch.ones([1]), { inplace: true })).to.throw(TypeError, /unexpected keyword argument 'inplace'/);
    expect(() => aten.zeros([2], { dtype: "float99" })).to.throw(TypeError, /unknown dtype 'float99'/);
  });
});
