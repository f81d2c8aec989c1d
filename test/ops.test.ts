// Operators through the typed API, as a user calls them, compared with PyTorch (scripts/fixtures/ops.py).
import { expect } from "chai";
import * as torch from "../lib";
import { Tensor } from "../lib";
import { loadFixture, decode, expectMatches } from "./helpers";

const T = torch;
const S = torch.slice;
type Fn = (x: Tensor[]) => any;

// Each fixture case, written the way a torchts user would write the Python line in ops.py.
const CASES: Record<string, Fn> = {
  // unary
  abs: ([x]) => x.abs(), neg: ([x]) => x.neg(), exp: ([x]) => T.exp(x), sin: ([x]) => x.sin(), cos: ([x]) => T.cos(x),
  tanh: ([x]) => x.tanh(), sigmoid: ([x]) => T.sigmoid(x), floor: ([x]) => x.floor(), ceil: ([x]) => x.ceil(),
  round: ([x]) => x.round(), trunc: ([x]) => x.trunc(), sign: ([x]) => x.sign(), erf: ([x]) => x.erf(),
  expm1: ([x]) => x.expm1(), atan: ([x]) => x.atan(), sinh: ([x]) => x.sinh(), cosh: ([x]) => x.cosh(),
  exp2: ([x]) => x.exp2(), square: ([x]) => x.square(), frac: ([x]) => x.frac(), relu: ([x]) => x.relu(),
  deg2rad: ([x]) => x.deg2rad(), sinc: ([x]) => x.sinc(), sgn: ([x]) => x.sgn(), log: ([x]) => x.log(),
  sqrt: ([x]) => x.sqrt(), rsqrt: ([x]) => x.rsqrt(), reciprocal: ([x]) => x.reciprocal(), log1p: ([x]) => x.log1p(),
  log2: ([x]) => x.log2(), log10: ([x]) => T.log10(x), lgamma: ([x]) => x.lgamma(), digamma: ([x]) => x.digamma(),
  asin: ([x]) => x.asin(), acos: ([x]) => x.acos(), erfinv: ([x]) => x.erfinv(), atanh: ([x]) => x.atanh(),
  abs_int64: ([x]) => x.abs(), neg_int64: ([x]) => x.neg(), exp_float64: ([x]) => x.exp(), sqrt_int64: ([x]) => x.sqrt(),
  round_half: ([x]) => x.round(), relu_special: ([x]) => x.relu(), isnan: ([x]) => x.isnan(), isinf: ([x]) => T.isinf(x),
  isfinite: ([x]) => x.isfinite(), logical_not: ([x]) => x.logicalNot(), bitwise_not_int64: ([x]) => x.bitwiseNot(),
  hardswish: ([x]) => x.hardswish(), silu: ([x]) => x.silu(),
  exp_inplace: ([x]) => { const r = x.exp_(); expect(r).to.equal(x); return x; },
  sigmoid_inplace: ([x]) => x.sigmoid_(),
  // binary
  add: ([a, b]) => a.add(b), add_broadcast: ([a, b]) => T.add(a, b), add_scalar: ([a]) => a.add(2.5),
  add_alpha: ([a, b]) => a.add(b, { alpha: 2 }), add_int64: ([a, b]) => a.add(b), add_int_float_promote: ([a, b]) => a.add(b),
  add_int64_scalar_float: ([a]) => a.add(0.5), add_bool: ([a, b]) => a.add(b), add_float64: ([a, b]) => a.add(b),
  add_inplace: ([a, b]) => a.add_(b), add_inplace_scalar_alpha: ([a, b]) => a.add_(b, { alpha: -0.5 }),
  sub: ([a, b]) => a.sub(b), sub_scalar: ([a]) => a.sub(1), sub_alpha: ([a, b]) => T.sub(a, b, { alpha: 3 }),
  sub_inplace: ([a, b]) => a.sub_(b),
  mul: ([a, b]) => a.mul(b), mul_broadcast: ([a, b]) => a.mul(b), mul_scalar: ([a]) => a.mul(3), mul_int64: ([a, b]) => T.mul(a, b),
  mul_inplace: ([a, b]) => a.mul_(b),
  div: ([a, b]) => a.div(b), div_scalar: ([a]) => a.div(3), div_int64_true: ([a, b]) => a.div(b),
  div_floor: ([a, b]) => a.div(b, { roundingMode: "floor" }), div_trunc: ([a, b]) => T.div(a, b, { roundingMode: "trunc" }),
  div_inplace: ([a, b]) => a.div_(b),
  pow: ([a, b]) => a.pow(b), pow_scalar: ([a]) => a.pow(2), pow_int64: ([a]) => T.pow(a, 3),
  remainder: ([a, b]) => a.remainder(b), remainder_scalar: ([a]) => T.remainder(a, 3), fmod: ([a, b]) => a.fmod(b),
  floor_divide: ([a, b]) => a.floorDivide(b), maximum: ([a, b]) => T.maximum(a, b), minimum: ([a, b]) => a.minimum(b),
  max_binary: ([a, b]) => a.max(b), atan2: ([a, b]) => a.atan2(b), hypot: ([a, b]) => T.hypot(a, b),
  copysign: ([a, b]) => a.copysign(b), fmax: ([a, b]) => a.fmax(b), xlogy: ([a, b]) => a.xlogy(b),
  logaddexp: ([a, b]) => a.logaddexp(b), bitwise_and: ([a, b]) => a.bitwiseAnd(b), bitwise_xor_scalar: ([a]) => a.bitwiseXor(5),
  gcd: ([a, b]) => T.gcd(a, b), lerp: ([a, b]) => a.lerp(b, 0.3), addcmul: ([s, a, b]) => s.addcmul(a, b, { value: 0.5 }),
  addcdiv: ([s, a, b]) => s.addcdiv(a, b, { value: 2 }),
  // comparisons and logic
  eq: ([a, b]) => a.eq(b), eq_scalar: ([a]) => a.eq(1), ne: ([a, b]) => T.ne(a, b), lt: ([a, b]) => a.lt(b),
  le_scalar: ([a]) => a.le(0), gt_broadcast: ([a, b]) => a.gt(b), ge: ([a, b]) => T.ge(a, b),
  logical_and: ([a, b]) => a.logicalAnd(b), logical_or: ([a, b]) => T.logicalOr(a, b), logical_xor: ([a, b]) => a.logicalXor(b),
  where: ([m, a, b]) => T.where(m, a, b), where_scalar: ([m, a]) => T.where(m, a, 0),
  clamp: ([a]) => a.clamp(-0.5, 0.5), clamp_min: ([a]) => a.clamp({ min: 0.1 }), clamp_max: ([a]) => T.clamp(a, null, 0.1),
  clamp_tensor: ([a, lo, hi]) => a.clamp(lo, hi), clamp_inplace: ([a]) => a.clamp_(-0.1, 0.1),
  equal: ([a, b]) => T.equal(a, b), allclose: ([a, b]) => a.allclose(b), isclose: ([a, b]) => a.isclose(b, { atol: 0.5 }),
  // reductions
  sum: ([m]) => m.sum(), sum_dim: ([m]) => m.sum(1), sum_dims_keepdim: ([m]) => m.sum({ dim: [0, 2], keepdim: true }),
  sum_neg_dim: ([m]) => T.sum(m, -1), sum_int64: ([m]) => m.sum(), sum_bool: ([m]) => m.sum(),
  sum_dtype: ([m]) => m.sum({ dtype: T.float64 }), sum_small: ([m]) => m.sum(),
  sum_sizes: ([x]) => T.stack([1, 7, 8, 9, 16, 17, 33, 64, 100].map((n) => x.index(S(0, n)).sum())),
  sum_float64_sizes: ([x]) => T.stack([3, 4, 5, 8, 9, 31, 100].map((n) => x.index(S(null, n)).sum())),
  mean: ([m]) => m.mean(), mean_dim_keepdim: ([m]) => m.mean(2, true), mean_dims: ([m]) => m.mean([0, 1]),
  max_all: ([m]) => m.max(), max_dim: ([m]) => m.max(1), max_dim_keepdim: ([m]) => m.max({ dim: -1, keepdim: true }),
  min_all: ([m]) => T.min(m), min_dim: ([m]) => m.min(0), max_int64: ([m]) => T.max(m, 1),
  argmax: ([m]) => m.argmax(), argmax_dim: ([m]) => m.argmax(1), argmin_dim_keepdim: ([m]) => m.argmin({ dim: 2, keepdim: true }),
  std: ([m]) => m.std(), std_dim: ([m]) => m.std(1), std_unbiased_false: ([m]) => m.std({ dim: 2, unbiased: false, keepdim: true }),
  var: ([m]) => m.var(), var_dim: ([m]) => m.var(0),
  norm: ([m]) => m.norm(), norm_p1_dim: ([m]) => m.norm(1, 1), norm_dim_keepdim: ([m]) => m.norm(2, { dim: -1, keepdim: true }),
  prod: ([m]) => m.prod(), prod_dim: ([m]) => m.prod(1), prod_int64_keepdim: ([m]) => m.prod({ dim: 1, keepdim: true }),
  all: ([m]) => m.all(), all_dim: ([m]) => m.all(1), any: ([m]) => m.any(), any_dim_keepdim: ([m]) => m.any(0, true),
  logsumexp: ([m]) => m.logsumexp(1), cumsum: ([m]) => T.cumsum(m, 1), cumprod: ([m]) => m.cumprod(0),
  // linear algebra
  matmul: ([a, b]) => a.matmul(b), matmul_small: ([a, b]) => a.matmul(b), matmul_float64: ([a, b]) => T.matmul(a, b),
  matmul_batched_broadcast: ([a, b]) => a.matmul(b), matmul_vec: ([a, b]) => a.matmul(b),
  matmul_transposed: ([a, b]) => a.t().matmul(b), mm: ([a, b]) => a.mm(b), bmm: ([a, b]) => T.bmm(a, b),
  mv: ([a, b]) => a.mv(b), dot: ([a, b]) => a.dot(b), outer: ([a, b]) => T.outer(a, b),
  addmm: ([s, a, b]) => s.addmm(a, b, { beta: 0.5, alpha: 2 }), einsum: ([a, b]) => T.einsum("bij,bjk->bik", a, b),
  // views and shapes
  view: ([v]) => v.view(6, 4), view_infer: ([v]) => v.view([-1, 2]), reshape: ([v]) => v.permute(2, 0, 1).reshape(4, 6),
  permute: ([v]) => v.permute([2, 0, 1]), transpose: ([v]) => v.transpose(0, 2), t: ([v]) => v.t(),
  flatten: ([v]) => v.flatten(1), flatten_all: ([v]) => T.flatten(v), squeeze: ([v]) => v.squeeze(),
  squeeze_dim: ([v]) => v.squeeze(2), unsqueeze: ([v]) => v.unsqueeze(1), unsqueeze_neg: ([v]) => T.unsqueeze(v, -1),
  expand: ([v]) => v.expand(3, 4), expand_new_dims: ([v]) => v.expand([2, -1, 4]),
  contiguous: ([v]) => { const c = v.transpose(0, 1).contiguous(); expect(c.isContiguous()).to.equal(true); return c; },
  narrow: ([v]) => v.narrow(2, 1, 2), select: ([v]) => v.select(1, -1), unflatten: ([v]) => v.unflatten(1, [2, 2]),
  flip: ([v]) => v.flip([0, 2]), roll: ([v]) => v.roll(1, 1), repeat: ([v]) => v.repeat(2, 3), tril: ([v]) => T.tril(v),
  triu_diag: ([v]) => T.triu(v, 1),
  // joins and splits
  cat: ([a, b]) => T.cat([a, b], 0), cat_dim1: ([a, b]) => T.cat([a, b], 1), stack: ([a, b]) => T.stack([a, b]),
  stack_dim: ([a, b]) => T.stack([a, b], 2), split: ([a]) => a.split(2), split_sizes: ([a]) => T.split(a, [1, 3], 1),
  chunk: ([a]) => a.chunk(3, 1), unbind: ([a]) => a.unbind(1),
  // indexing
  index_int: ([x]) => x.index(1), index_neg_int: ([x]) => x.index([-1, 0]), index_slice: ([x]) => x.index([S(), S(1, 3)]),
  index_slice_step: ([x]) => x.index(["...", S(null, null, 2)]), index_slice_neg: ([x]) => x.index([S(), S(-2)]),
  index_none_ellipsis: ([x]) => x.index([null, "...", 1]), index_tensor: ([x, i]) => x.index(i),
  index_tensor_dim1: ([x, i]) => x.index([S(), i]), index_two_tensors: ([x, i, j]) => x.index([i, j]),
  index_mask: ([x, m]) => x.index(m), index_mask_rows: ([x, m]) => x.index([m]), index_int_list: ([x]) => x.index([S(), [0, 2]]),
  index_select: ([x, i]) => x.indexSelect(2, i), masked_fill: ([x, m]) => x.maskedFill(m, -1),
  masked_select: ([x, m]) => x.maskedSelect(m),
  index_put_mask: ([x, m]) => x.indexPut_(m, 0), index_put_index: ([x, i, v]) => x.indexPut_(i, v),
  index_put_slice: ([x, v]) => x.indexPut_([S(), 1], v), index_put_scalar_slice: ([x]) => x.indexPut_([0, S(1, 3)], 7),
  index_put_accumulate: ([x, i, v]) => x.indexPutTensors_([i], v, true),
  gather: ([x, i]) => x.gather(1, i), scatter: ([x, i, s]) => T.scatter(x, 1, i, s), scatter_scalar: ([x, i]) => x.scatter(0, i, 5),
  scatter_add: ([x, i, s]) => x.scatterAdd(1, i, s), scatter_inplace: ([x, i, s]) => x.scatter_(1, i, s),
  take_along_dim: ([x, i]) => x.takeAlongDim(i, 1), nonzero: ([x]) => x.nonzero(),
  // softmax, one-hot, sorting
  softmax: ([x]) => x.softmax(1), softmax_dim0: ([x]) => T.softmax(x, 0), log_softmax: ([x]) => x.logSoftmax(-1),
  one_hot: ([x]) => x.oneHot(5), one_hot_infer: ([x]) => T.oneHot(x),
  sort: ([x]) => x.sort(), sort_desc_dim0: ([x]) => x.sort({ dim: 0, descending: true }), sort_stable: ([x]) => T.sort(x, { stable: true }),
  argsort: ([x]) => x.argsort(-1, true), topk: ([x]) => x.topk(2), topk_smallest_dim0: ([x]) => x.topk(1, { dim: 0, largest: false }),
  // creation and conversion
  arange: () => T.arange(5), arange_step: () => T.arange(1, 2.5, 0.5), linspace: () => T.linspace(0, 1, 5), eye: () => T.eye(3),
  eye_rect: () => T.eye(2, 3), full: () => T.full([2, 2], 7), full_float: () => T.full([2], 1.5),
  zeros_like: ([x]) => T.zerosLike(x), ones_like: ([x]) => T.onesLike(x), to_int64: ([x]) => x.to(T.int64),
  to_bool: ([x]) => x.bool(), to_float64: ([x]) => x.double(),
  // reductions, selection and shape methods of a ported script
  round_decimals: ([x]) => T.round(x.mul(10), { decimals: 2 }), round_decimals_neg: ([x]) => x.mul(1000).round({ decimals: -2 }),
  normal_floats: () => { T.manualSeed(3); return T.normal(0, 2, [2, 3]); },
  normal_tensor_std: ([m]) => { T.manualSeed(4); return T.normal(m, 0.5); },
  cumsum_dtype: ([x]) => T.cumsum(x, 1, { dtype: T.float32 }), cumprod_fn: ([x]) => T.cumprod(x, 0),
  logcumsumexp: ([x]) => x.logcumsumexp(1), cummax: ([x]) => x.cummax(1),
  logsumexp_opts: ([x]) => x.logsumexp({ dim: [0, 2], keepdim: true }), norm_fro: ([x]) => x.norm("fro"),
  norm_p1_dim_keepdim: ([x]) => T.norm(x, 1, 2, true), norm_nuc: ([x]) => x.norm({ p: "nuc", dim: [1, 2] }),
  amax: ([x]) => x.amax([0, 2]), amin_keepdim: ([x]) => T.amin(x, 1, true), aminmax_dim: ([x]) => T.aminmax(x, { dim: 1 }),
  median_all: ([x]) => x.median(), median_dim: ([x]) => T.median(x, 1, true), kthvalue: ([x]) => x.kthvalue(2, 0),
  mode: ([x]) => T.mode(x, 1), nansum: ([x]) => x.nansum(1), nanmean: ([x]) => T.nanmean(x),
  count_nonzero: ([x]) => T.countNonzero(x, 0), quantile: ([x]) => T.quantile(x, 0.3, 1, true),
  quantile_tensor_q: ([x, q]) => x.quantile(q, { interpolation: "nearest" }),
  std_mean: ([x]) => T.stdMean(x, 1), var_mean_biased: ([x]) => T.varMean(x, { dim: [0, 2], unbiased: false, keepdim: true }),
  var_fn: ([x]) => T.var(x, { dim: 1, keepdim: true }),
  std_positional_biased: ([x]) => T.std(x, 1, false), var_positional_keepdim: ([x]) => x.var(0, false, true), std_unbiased_only: ([x]) => x.std(false), std_fn: ([x]) => T.std(x), prod_fn: ([x]) => T.prod(x, 1),
  argsort_stable: ([x]) => T.argsort(x, { dim: 0, stable: true, descending: true }),
  nonzero_tuple: ([x]) => T.nonzero(x, { asTuple: true }), argwhere: ([x]) => T.argwhere(x),
  unique_inverse: ([x]) => T.unique(x, { returnInverse: true }), unique_counts: ([x]) => x.unique({ returnCounts: true }),
  unique_dim: ([x]) => T.unique(x, { dim: 0, returnInverse: true, returnCounts: true }),
  unique_consecutive: ([x]) => T.uniqueConsecutive(x, { returnCounts: true }),
  clamp_min_method: ([x]) => x.clampMin(0.1), clamp_max_method: ([x]) => x.clampMax(-0.1), nan_to_num: ([x]) => x.nanToNum({ nan: 0.5, posinf: 9 }),
  repeat_interleave: ([x]) => x.repeatInterleave(2, 0), repeat_interleave_tensor: ([x, n]) => T.repeatInterleave(x, n),
  tile: ([x]) => x.tile([2, 1]), unfold: ([x]) => x.unfold(0, 2, 1), movedim: ([x]) => T.movedim(x, 0, -1),
  rot90: ([x]) => x.rot90(1, [0, 1]), fliplr: ([x]) => T.fliplr(x), diagonal: ([x]) => x.diagonal({ offset: 1, dim1: 1, dim2: 2 }),
  diag_embed: ([x]) => T.diagEmbed(x), tril_method: ([x]) => x.tril(-1), triu_method: ([x]) => x.triu(1), trace: ([x]) => T.trace(x),
  diff: ([x]) => T.diff(x, 1, 1), dist: ([x, y]) => T.dist(x, y, 3), cross: ([x, y]) => T.cross(x, y, 1),
  scatter_reduce: ([x, i, s]) => x.scatterReduce(0, i, s, "amax", { includeSelf: false }),
  index_add: ([x, i, s]) => x.indexAdd(0, i, s, { alpha: 2 }), index_fill: ([x, i]) => x.indexFill(1, i, -1),
  bincount: ([x]) => T.bincount(x, { minlength: 6 }), bincount_weights: ([x, w]) => x.bincount({ weights: w }),
  histc: ([x]) => T.histc(x, 4, -2, 2), searchsorted: ([s, v]) => T.searchsorted(s, v, { right: true }),
  bucketize: ([v, b]) => T.bucketize(v, b), isin: ([a, b]) => T.isin(a, b), tensordot: ([a, b]) => T.tensordot(a, b, 2),
  kron: ([a, b]) => T.kron(a, b), cdist: ([a, b]) => T.cdist(a, b), tril_indices: () => T.trilIndices(3, 3, -1),
  det: ([x]) => x.det(), inverse: ([x]) => x.inverse(),
  index_bool_list: ([x]) => x.index([[true, false, true]]), index_0d_bool: ([x]) => x.index([T.tensor(true), 0]),
  index_0d_false: ([x]) => x.index(["...", T.tensor(false)]), index_put_bool_list: ([x]) => x.indexPut_([[false, true, true]], -1),
  as_tensor_dtype: ([x]) => T.asTensor(x, { dtype: T.float64 }), broadcast_shapes: () => T.broadcastShapes([2, 1, 3], [4, 1], [3]),
  atleast_2d: ([x]) => T.atleast2d(x), cov: ([x]) => T.cov(x, { correction: 0 }), corrcoef: ([x]) => T.corrcoef(x),
  combinations: ([x]) => T.combinations(x, 2, true), poisson: ([x]) => { T.manualSeed(6); return T.poisson(x); },
  "addcmul_": ([x, a, b]) => x.addcmul_(a, b, { value: 0.5 }), "lerp_": ([x, e]) => x.lerp_(e, 0.25),
  "clamp__opts": ([x]) => x.clamp_({ min: -0.2 }), index_put_out_of_place: ([x, i, v]) => x.indexPut([i], v, true),
  "transpose_": ([x]) => x.transpose_(0, 1),
  div_bool_scalar: ([x]) => x.div(true),
  randint_like_high: ([x]) => { T.manualSeed(8); return T.randintLike(x, 10); },
  randint_generator: () => T.randint(0, 100, [6], { generator: new T.Generator().manualSeed(7) }),
  randn_generator: () => T.randn([2, 3], { generator: new T.Generator().manualSeed(7) }),
  multinomial: ([p]) => { T.manualSeed(5); return T.multinomial(p, 4, true); },
};

// Cases whose call chains several ops (the intermediates are the caller's to free).
const CHAINED = new Set(["sum_sizes", "sum_float64_sizes", "matmul_transposed", "reshape", "contiguous", "round_decimals", "round_decimals_neg", "index_0d_bool", "index_0d_false"]);

describe("operators vs PyTorch (test/fixtures/ops/ops.json)", () => {
  const fixture = loadFixture("ops", "ops.json");

  it("covers at least 80 distinct operators, each case with a torchts call", () => {
    const ops = new Set(fixture.cases.map((c: any) => c.op));
    expect(ops.size).to.be.at.least(80);
    const missing = fixture.cases.filter((c: any) => !CASES[c.name]).map((c: any) => c.name);
    expect(missing, "fixture cases without a torchts call").to.deep.equal([]);
  });

  for (const c of fixture.cases) {
    it(`${c.name} (aten::${c.op})`, () => {
      const fn = CASES[c.name];
      if (!fn) throw new Error(`no torchts call for ${c.name}`);
      const before = torch.memory().liveTensors;
      torch.tidy(() => {
        const inputs = c.inputs.map(decode);
        expectMatches(fn(inputs), c.output, 1e-5, c.name);
      });
      expect(torch.memory().liveTensors, "tensors left after tidy").to.equal(before);
      // without tidy: disposing the inputs and results must leave nothing behind (no leaked temporaries)
      if (CHAINED.has(c.name)) return;
      const inputs = c.inputs.map(decode);
      const out = fn(inputs);
      torch.dispose([inputs, out]);
      expect(torch.memory().liveTensors, "temporaries leaked by the call").to.equal(before);
    });
  }
});

describe("small-tensor fast paths agree with ATen bit for bit", () => {
  const native = require("../lib/native").native;
  after(() => native.SetFastPaths(true));
  const run = (f: () => Tensor, fast: boolean) => { native.SetFastPaths(fast); return f(); };
  for (const dtype of [T.float32, T.float64]) {
    for (const n of [1, 3, 8, 16, 17, 64, 100, 1000, 4096]) {
      it(`${dtype} n=${n}`, () => torch.tidy(() => {
        torch.manualSeed(n);
        const a = T.randn([n], { dtype }), b = T.randn([n], { dtype });
        a.indexPut_(0, -0); b.indexPut_(0, NaN);
        const ops: [string, () => Tensor][] = [
          ["add", () => a.add(b)], ["sub", () => a.sub(b)], ["mul", () => a.mul(b)], ["div", () => a.div(b)],
          ["addS", () => a.add(0.1)], ["subS", () => a.sub(1e-3)], ["mulS", () => a.mul(1 / 3)], ["relu", () => a.relu()],
          ["relu NaN", () => b.relu()], ["sum", () => a.sum()], ["sum NaN", () => b.sum()],
        ];
        const k = Math.max(1, Math.floor(Math.sqrt(n)));
        if (k <= 64) {
          const m1 = a.index(S(0, k * k)).view(k, k), m2 = b.index(S(0, k * k)).view(k, k);
          ops.push(["matmul", () => m1.matmul(m2)], ["mm", () => m1.mm(m2.t().contiguous())]);
        }
        for (const [name, f] of ops) {
          const x = run(f, true), y = run(f, false);
          expect(x.dtype, name).to.equal(y.dtype);
          expect(x.shape, name).to.deep.equal(y.shape);
          const same = x.eq(y).logicalOr(x.isnan().logicalAnd(y.isnan())).all().item();
          expect(same, `${name}: fast path differs from ATen`).to.equal(true);
          if (name === "relu") expect(Object.is(x.index(0).item(), -0), "relu(-0) keeps -0").to.equal(Object.is(y.index(0).item(), -0));
        }
      }));
    }
  }
});

describe("results that Python returns as named tuples", () => {
  it("max/min/sort/topk/median/kthvalue/mode/cummax (dim) answer .values and .indices; aminmax .min/.max", () => {
    torch.tidy(() => {
      const x = T.tensor([[3, 1, 2], [0, 5, 4]]);
      for (const r of [x.max(1), T.min(x, 1), x.sort(1), x.topk(2), x.float().median(1), x.kthvalue(1, 1), x.mode(1), x.cummax(1), T.sort(x, 1)]) {
        const [v, i] = r;
        expect(r.values).to.equal(v);
        expect(r.indices).to.equal(i);
        expect(Object.keys(r)).to.deep.equal(["0", "1"]);   // still a plain pair for destructuring, tidy and dispose
      }
      expect(x.max(1).indices.toArray()).to.deep.equal([0, 1]);   // Python: x.max(1).indices -> tensor([0, 1])
      const mm = x.aminmax();
      expect([mm.min.item(), mm.max.item()]).to.deep.equal([0, 5]);
    });
  });
});
