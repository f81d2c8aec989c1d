// Errors: libtorch errors become TorchError with libtorch's message (no C++ backtrace), JS misuse becomes a
// TypeError naming the argument, and the process always goes on.
import { expect } from "chai";
import * as torch from "../lib";

function caught(f: () => unknown): any {
  try { f(); } catch (e) { return e; }
  throw new Error("expected an error");
}
function expectTorchError(f: () => unknown, re: RegExp): void {
  const e = caught(f);
  expect(e, String(e)).to.be.instanceOf(torch.TorchError);
  expect(e).to.be.instanceOf(Error);
  expect(e.name).to.equal("TorchError");
  expect(e.message).to.match(re);
  expect(e.message, "no C++ backtrace").to.not.match(/Exception raised from|frame #\d|\(no backtrace available\)/);
}

describe("errors", () => {
  it("shape mismatch in matmul", () => {
    expectTorchError(() => torch.ones([2, 3]).matmul(torch.ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    expectTorchError(() => torch.ones([2, 3]).mm(torch.ones([4, 3])), /cannot be multiplied/);
  });
  it("shape mismatch in conv2d", () => {
    const x = torch.ones([1, 3, 8, 8]), w = torch.ones([4, 2, 3, 3]);
    expectTorchError(() => torch.ops.aten.conv2d(x, w), /expected input\[1, 3, 8, 8\] to have 2 channels, but got 3 channels/);
    expectTorchError(() => torch.ops.aten.conv2d(torch.ones([1, 3, 2, 2]), torch.ones([1, 3, 3, 3])), /Kernel size can't be greater than actual input size/);
  });
  it("broadcast mismatch", () => {
    expectTorchError(() => torch.ones([2, 3]).add(torch.ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
    expectTorchError(() => torch.ones([6]).view(4), /shape '\[4\]' is invalid for input of size 6/);
  });
  it("wrong dtype", () => {
    expectTorchError(() => torch.ones([2]).mm(torch.ones([2, 2])), /2D|matrix/);
    expectTorchError(() => torch.ones([2, 2]).matmul(torch.ones([2, 2], { dtype: torch.float64 })), /expected .*same dtype|Double|Float/);
    expectTorchError(() => torch.ones([2], { dtype: torch.int64 }).sigmoid().sum().backward(), /does not require grad|element 0/);
    expectTorchError(() => torch.ones([2], { dtype: torch.int64, requiresGrad: true }), /floating point|complex dtype/);
  });
  it("index out of range", () => {
    expectTorchError(() => torch.ones([3]).index(5), /index 5 out of range for tensor of size \[3\] at dimension 0/);
    expectTorchError(() => torch.ones([3]).index(torch.tensor([0, 7])), /index 7 is out of bounds for dimension 0 with size 3/);
    expectTorchError(() => torch.ones([2, 2]).gather(1, torch.tensor([[0, 9], [0, 0]])), /index 9 is out of bounds/);
    expectTorchError(() => torch.ones([2, 2]).sum(5), /Dimension out of range/);
    expectTorchError(() => torch.ones([3]).indexPut_(torch.tensor([4]), 1), /out of bounds/);
  });
  it("a disposed tensor throws when used", () => {
    const t = torch.ones([2]);
    t.dispose();
    for (const f of [() => t.add(1), () => t.shape, () => t.exp(), () => t.toArray(), () => torch.ops.aten.neg(t),
      () => torch.ones([2]).add(t), () => torch.cat([t, t])])
      expect(f).to.throw(/disposed/);
    t.dispose();   // idempotent
    expect(t.isDisposed).to.equal(true);
  });
  it("unknown operator", () => {
    expectTorchError(() => torch.ops.aten.definitely_not_an_op(torch.ones([1])), /unknown operator 'aten::definitely_not_an_op'/);
    expectTorchError(() => torch.callOp("myns::op", 1), /unknown operator 'myns::op'/);
  });
  it("bad device string", () => {
    expectTorchError(() => torch.ones([1]).to("tpu:0"), /device/i);
    expectTorchError(() => torch.zeros([1], { device: "cpu:x" }), /device/i);
    expect(() => torch.ones([1]).to(42 as any)).to.throw(TypeError);
  });
  it("wrong JS argument types give a TypeError naming the argument", () => {
    const t = torch.ones([2]);
    const cases: [() => unknown, RegExp][] = [
      [() => t.add("x" as any), /argument 'other'/],
      [() => t.mul({} as any), /argument 'other'/],
      [() => t.matmul(3 as any), /argument 'other'/],
      [() => torch.exp(1 as any), /argument 'input'/],
      [() => t.maximum(2 as any), /argument 'other'/],
      [() => t.view("a" as any), /argument 'shape'/],
      [() => t.reshape([1.5] as any), /argument 'shape'/],
      [() => torch.fromTypedArray([1, 2] as any), /argument 'data'/],
      [() => torch.zeros([2], { dtype: "nope" as any }), /dtype/],
      [() => torch.ops.aten.add(t, "s"), /invalid combination of arguments/],
      [() => t.index({} as any), /index/],
      [() => t.sum("a" as any), /argument 'dim'/],
      [() => t.amax("a" as any), /argument 'dim'/],
      [() => torch.normal(0, 1), /argument 'size'/],
    ];
    for (const [f, re] of cases) {
      const e = caught(f);
      expect(e, `${f}: ${e}`).to.be.instanceOf(TypeError);
      expect(e.message, String(f)).to.match(re);
    }
  });
  it("the process goes on after many errors; messages are libtorch's first lines", () => {
    for (let i = 0; i < 200; i++) expect(() => torch.ones([2]).view(3)).to.throw(torch.TorchError);
    expect(torch.ones([2]).add(1).toArray()).to.deep.equal([2, 2]);
    const e = caught(() => torch.ones([2]).view(3));
    expect(e.message.split("\n").length).to.be.below(4);
    expect(e.stack).to.include("errors.test");   // a JS stack trace to the caller
  });
  it("no JS input aborts the process: every native entry with random garbage arguments", function () {
    this.timeout(300000);
    // in a scratch folder: entries that take file paths may create files named by the garbage
    const cwd = require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "torchts-fuzz-"));
    const r = require("child_process").spawnSync(process.execPath, [require("path").join(__dirname, "fuzz-native.js"), "7"], { encoding: "utf8", cwd });
    require("fs").rmSync(cwd, { recursive: true, force: true });
    expect(r.signal, r.stderr).to.equal(null);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/done: \d+ entries/);  // entries that write to a file descriptor may print bytes first
  });
});
