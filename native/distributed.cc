// torch.distributed: one default process group (gloo, and NCCL where the libtorch has it) over libtorch's c10d,
// its collectives, and DistributedDataParallel's gradient reducer (autograd hooks, buckets, ordered launches).
// Compiles out where the libtorch or its headers lack a backend; then the entries say so.
#include "common.h"
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <mutex>

#include "dist_backends.h"   // TTS_GLOO / TTS_NCCL, NewGloo / NewNccl, PG
#if defined(TTS_GLOO) || defined(TTS_NCCL)
#define TTS_DIST 1
#endif

namespace tts {

static Napi::Value DistBackends(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TTS_GLOO
  o.Set("gloo", true);
#else
  o.Set("gloo", false);
#endif
#ifdef TTS_NCCL
  o.Set("nccl", true);
#else
  o.Set("nccl", false);
#endif
  return o;
}

#ifdef TTS_DIST
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<PG> pg;
  std::string backend;
  int rank = 0, size = 1;
};
static std::mutex gMu;
static std::shared_ptr<Group> gGroup;

static std::shared_ptr<Group> Current(Napi::Env env) {
  std::lock_guard<std::mutex> lk(gMu);
  if (!gGroup)
    throw TorchError(env, "Default process group has not been initialized, please make sure to call "
                          "distributed.initProcessGroup()");
  return gGroup;
}

// distInit(backend, initMethod "tcp://host:port" | "file://path", rank, worldSize, timeoutMs)
static Napi::Value DistInit(const Napi::CallbackInfo& info) {
  std::string backend = StrArg(info, 0, "backend"), init = StrArg(info, 1, "initMethod");
  int rank = static_cast<int>(IntArg(info, 2, "rank")), size = static_cast<int>(IntArg(info, 3, "worldSize"));
  auto timeout = std::chrono::milliseconds(IntArg(info, 4, "timeout"));
  {
    std::lock_guard<std::mutex> lk(gMu);
    if (gGroup) throw TorchError(info.Env(), "trying to initialize the default process group twice!");
  }
  if (size < 1 || rank < 0 || rank >= size)
    throw TorchError(info.Env(), "invalid rank " + std::to_string(rank) + " for world size " + std::to_string(size));
  // The backend is checked before any store is made, as Python's init_process_group does.
  if (backend != "gloo" && backend != "nccl") throw TorchError(info.Env(), "Invalid backend: '" + backend + "' (gloo or nccl)");
#ifndef TTS_GLOO
  if (backend == "gloo") throw TorchError(info.Env(), "the gloo backend is not available in this build of torchts");
#endif
#ifndef TTS_NCCL
  if (backend == "nccl")
    throw TorchError(info.Env(), "the nccl backend is not available in this build of torchts (it needs a CUDA libtorch with NCCL)");
#endif
  auto g = std::make_shared<Group>();
  g->rank = rank; g->size = size; g->backend = backend;
  c10::intrusive_ptr<c10d::Store> store;
  if (init.rfind("tcp://", 0) == 0) {
    std::string hp = init.substr(6);
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) throw TorchError(info.Env(), "initMethod " + init + " has no port (tcp://host:port)");
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(std::stoi(hp.substr(colon + 1)));
    o.isServer = rank == 0;
    o.numWorkers = static_cast<size_t>(size);
    o.waitWorkers = true;
    o.timeout = timeout;
    store = c10::make_intrusive<c10d::TCPStore>(hp.substr(0, colon), o);
  } else if (init.rfind("file://", 0) == 0) {
    store = c10::make_intrusive<c10d::FileStore>(init.substr(7), size);
  } else {
    throw TorchError(info.Env(), "unsupported initMethod " + init + " (tcp://host:port, file:///path or env://)");
  }
  store->setTimeout(timeout);
  g->store = store;
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("default_pg/0/", store);
#ifdef TTS_GLOO
  if (backend == "gloo") g->pg = NewGloo(prefixed, rank, size, timeout);
#endif
#ifdef TTS_NCCL
  if (backend == "nccl") g->pg = NewNccl(prefixed, rank, size, timeout);
#endif
  std::lock_guard<std::mutex> lk(gMu);
  gGroup = g;
  return info.Env().Undefined();
}
static Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lk(gMu);
  gGroup.reset();
  return info.Env().Undefined();
}
static Napi::Value DistState(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> lk(gMu);
  if (!gGroup) return info.Env().Null();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("rank", gGroup->rank);
  o.Set("worldSize", gGroup->size);
  o.Set("backend", gGroup->backend);
  return o;
}

// ---- Work: a JS External owns each pending collective. ----
static Napi::Value WrapWork(Napi::Env env, WorkPtr w, bool async) {
  if (!async) { w->wait(); return env.Undefined(); }
  return Napi::External<WorkPtr>::New(env, new WorkPtr(std::move(w)), [](Napi::Env, WorkPtr* p) { delete p; });
}
static WorkPtr& WorkArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) ThrowType(info.Env(), "argument 'work' must be a distributed Work");
  return *info[i].As<Napi::External<WorkPtr>>().Data();
}
static Napi::Value WorkWait(const Napi::CallbackInfo& info) {
  WorkArg(info, 0)->wait();
  return info.Env().Undefined();
}
static Napi::Value WorkIsCompleted(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), WorkArg(info, 0)->isCompleted());
}

static c10d::ReduceOp OpArg(const Napi::CallbackInfo& info, size_t i) {
  std::string s = StrArg(info, i, "op");
  if (s == "sum") return c10d::ReduceOp::SUM;
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "max") return c10d::ReduceOp::MAX;
  if (s == "band") return c10d::ReduceOp::BAND;
  if (s == "bor") return c10d::ReduceOp::BOR;
  if (s == "bxor") return c10d::ReduceOp::BXOR;
  if (s == "avg") return c10d::ReduceOp::AVG;
  ThrowType(info.Env(), "unknown reduce op '" + s + "'");
}

// allReduce(tensors, op, async)
static Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  auto ts = TensorListArg(info, 0, "tensor");
  c10d::AllreduceOptions o;
  o.reduceOp = OpArg(info, 1);
  return WrapWork(info.Env(), g->pg->allreduce(ts, o), BoolArg(info, 2, "asyncOp"));
}
// broadcast(tensors, src, async)
static Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  auto ts = TensorListArg(info, 0, "tensor");
  c10d::BroadcastOptions o;
  o.rootRank = IntArg(info, 1, "src");
  return WrapWork(info.Env(), g->pg->broadcast(ts, o), BoolArg(info, 2, "asyncOp"));
}
// reduce(tensors, dst, op, async)
static Napi::Value DistReduce(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  auto ts = TensorListArg(info, 0, "tensor");
  c10d::ReduceOptions o;
  o.rootRank = IntArg(info, 1, "dst");
  o.reduceOp = OpArg(info, 2);
  return WrapWork(info.Env(), g->pg->reduce(ts, o), BoolArg(info, 3, "asyncOp"));
}
// allGather(outputs, input, async)
static Napi::Value DistAllGather(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  std::vector<std::vector<at::Tensor>> outs{TensorListArg(info, 0, "tensorList")};
  std::vector<at::Tensor> in{TensorArg(info, 1, "tensor")};
  return WrapWork(info.Env(), g->pg->allgather(outs, in), BoolArg(info, 2, "asyncOp"));
}
// gather(input, outputs (dst only), dst, async)
static Napi::Value DistGather(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  std::vector<at::Tensor> in{TensorArg(info, 0, "tensor")};
  std::vector<std::vector<at::Tensor>> outs;
  if (g->rank == IntArg(info, 2, "dst")) outs.push_back(TensorListArg(info, 1, "gatherList"));
  c10d::GatherOptions o;
  o.rootRank = IntArg(info, 2, "dst");
  return WrapWork(info.Env(), g->pg->gather(outs, in, o), BoolArg(info, 3, "asyncOp"));
}
// scatter(output, inputs (src only), src, async)
static Napi::Value DistScatter(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  std::vector<at::Tensor> out{TensorArg(info, 0, "tensor")};
  std::vector<std::vector<at::Tensor>> ins;
  if (g->rank == IntArg(info, 2, "src")) ins.push_back(TensorListArg(info, 1, "scatterList"));
  c10d::ScatterOptions o;
  o.rootRank = IntArg(info, 2, "src");
  return WrapWork(info.Env(), g->pg->scatter(out, ins, o), BoolArg(info, 3, "asyncOp"));
}
// send(tensor, dst, tag, async) / recv(tensor, src, tag, async)
static Napi::Value DistSend(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  std::vector<at::Tensor> ts{TensorArg(info, 0, "tensor")};
  return WrapWork(info.Env(), g->pg->send(ts, IntArg(info, 1, "dst"), IntArg(info, 2, "tag")), BoolArg(info, 3, "asyncOp"));
}
static Napi::Value DistRecv(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  std::vector<at::Tensor> ts{TensorArg(info, 0, "tensor")};
  return WrapWork(info.Env(), g->pg->recv(ts, IntArg(info, 1, "src"), IntArg(info, 2, "tag")), BoolArg(info, 3, "asyncOp"));
}
static Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  return WrapWork(info.Env(), g->pg->barrier(), BoolArg(info, 0, "asyncOp"));
}

// Flattens tensors of one dtype and device into buckets, broadcasts each from src, copies back (module states).
static Napi::Value DistBroadcastCoalesced(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  auto ts = TensorListArg(info, 0, "tensors");
  int64_t src = IntArg(info, 1, "src");
  std::vector<std::vector<at::Tensor>> groups;
  for (auto& t : ts) {
    bool placed = false;
    for (auto& grp : groups)
      if (grp[0].scalar_type() == t.scalar_type() && grp[0].device() == t.device()) { grp.push_back(t); placed = true; break; }
    if (!placed) groups.push_back({t});
  }
  at::NoGradGuard ng;
  for (auto& grp : groups) {
    std::vector<at::Tensor> flat_parts;
    for (auto& t : grp) flat_parts.push_back(t.detach().reshape({-1}));
    std::vector<at::Tensor> flat{at::cat(flat_parts)};
    c10d::BroadcastOptions o;
    o.rootRank = src;
    g->pg->broadcast(flat, o)->wait();
    int64_t off = 0;
    for (auto& t : grp) {
      int64_t n = t.numel();
      if (g->rank != src) t.detach().copy_(flat[0].narrow(0, off, n).view(t.sizes()));
      off += n;
    }
  }
  return info.Env().Undefined();
}

// ---- DistributedDataParallel's reducer ----
// Each parameter's grad accumulator gets a post hook; parameters are bucketed (reverse order, one dtype and
// device per bucket); a bucket whose gradients are all ready is averaged (x 1/world, then SUM) asynchronously,
// buckets strictly in index order so that every rank launches the same sequence; a final autograd callback waits
// and writes the averages back into .grad.
struct Reducer {
  std::shared_ptr<Group> group;
  std::vector<at::Tensor> params;
  std::vector<decltype(torch::autograd::impl::grad_accumulator(std::declval<at::Tensor&>()))> accs;
  std::vector<std::vector<size_t>> buckets;
  std::vector<size_t> bucketOf;
  std::vector<size_t> pending;
  std::vector<bool> ready;
  std::vector<WorkPtr> works;
  std::vector<at::Tensor> flats;
  size_t next = 0;
  bool sync = true, armed = false, findUnused = false;
  std::string error;
  std::mutex mu;
  std::vector<std::string> names;

  void Reset() {
    for (size_t b = 0; b < buckets.size(); b++) pending[b] = buckets[b].size();
    std::fill(ready.begin(), ready.end(), false);
    works.assign(buckets.size(), WorkPtr());
    flats.assign(buckets.size(), at::Tensor());
    next = 0;
    armed = false;
  }
  void Launch(size_t b) {
    at::NoGradGuard ng;
    std::vector<at::Tensor> parts;
    for (size_t i : buckets[b]) {
      const at::Tensor& gr = params[i].grad();
      parts.push_back(gr.defined() ? gr.reshape({-1}) : at::zeros({params[i].numel()}, params[i].options()));
    }
    std::vector<at::Tensor> flat{at::cat(parts).mul_(1.0 / group->size)};  // the same bits as PyTorch's mul_out
    flats[b] = flat[0];
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    works[b] = group->pg->allreduce(flat, o);
  }
  void LaunchReady() {
    while (next < buckets.size() && pending[next] == 0) Launch(next++);
  }
  void OnGrad(size_t i, const std::shared_ptr<Reducer>& self) {
    std::lock_guard<std::mutex> lk(mu);
    if (!sync) return;
    if (!armed) {
      armed = true;
      torch::autograd::Engine::get_default_engine().queue_callback([self] { self->Finalize(); });
    }
    if (ready[i]) return;
    ready[i] = true;
    size_t b = bucketOf[i];
    if (--pending[b] == 0) LaunchReady();
  }
  void Finalize() {
    std::lock_guard<std::mutex> lk(mu);
    at::NoGradGuard ng;
    std::vector<size_t> missing;
    for (size_t i = 0; i < params.size(); i++) if (!ready[i]) missing.push_back(i);
    if (!missing.empty() && !findUnused) {
      std::string which;
      for (size_t k = 0; k < missing.size() && k < 10; k++) which += (k ? ", " : "") + names[missing[k]];
      Reset();
      TORCH_CHECK(false, "DistributedDataParallel: parameters that did not receive a gradient in this backward: ", which,
                  ". Every parameter must be used in producing the loss; pass findUnusedParameters: true to "
                  "DistributedDataParallel when some are not, or make sure all outputs take part in the loss.");
    }
    std::vector<int> usedGlobal;
    if (findUnused) {
      // Which parameters some rank used: one extra allreduce, as PyTorch's local_used_map.
      std::vector<int> used(params.size());
      for (size_t i = 0; i < params.size(); i++) used[i] = params[i].grad().defined() ? 1 : 0;
      std::vector<at::Tensor> u{at::tensor(used, at::TensorOptions().dtype(at::kInt))};
      group->pg->allreduce(u)->wait();
      const int* g = u[0].data_ptr<int>();
      usedGlobal.assign(g, g + params.size());
      for (size_t b = 0; b < buckets.size(); b++) pending[b] = 0;
      LaunchReady();
    }
    for (size_t b = 0; b < buckets.size(); b++) {
      works[b]->wait();
      int64_t off = 0;
      for (size_t i : buckets[b]) {
        at::Tensor& p = params[i];
        int64_t n = p.numel();
        at::Tensor avg = flats[b].narrow(0, off, n).view(p.sizes());
        off += n;
        if (p.grad().defined()) p.mutable_grad().copy_(avg);
        else if (!usedGlobal.empty() && usedGlobal[i] > 0) p.mutable_grad() = avg.clone();
      }
    }
    Reset();
  }
};

using ReducerPtr = std::shared_ptr<Reducer>;
static Reducer& ReducerArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) ThrowType(info.Env(), "argument 'reducer' must be a DDP reducer handle");
  return **info[i].As<Napi::External<ReducerPtr>>().Data();
}

// ddpReducer(params, names, firstBucketBytes, bucketBytes, findUnused) -> External
static Napi::Value DdpReducer(const Napi::CallbackInfo& info) {
  auto g = Current(info.Env());
  auto params = TensorListArg(info, 0, "params");
  Napi::Array namesArr = info[1].As<Napi::Array>();
  double firstCap = NumArg(info, 2, "firstBucketBytes"), cap = NumArg(info, 3, "bucketBytes");
  auto r = std::make_shared<Reducer>();
  r->group = g;
  r->findUnused = BoolArg(info, 4, "findUnusedParameters");
  for (size_t i = 0; i < params.size(); i++) {
    if (!params[i].requires_grad() || !params[i].is_leaf()) continue;
    r->params.push_back(params[i]);
    r->names.push_back(i < namesArr.Length() ? namesArr.Get(i).ToString().Utf8Value() : std::to_string(i));
  }
  size_t n = r->params.size();
  r->bucketOf.assign(n, 0);
  r->ready.assign(n, false);
  // Reverse order (roughly the order gradients become ready); one dtype and device per bucket.
  std::vector<std::pair<std::vector<size_t>, double>> open;  // per (dtype, device) key: current bucket
  std::vector<std::pair<c10::ScalarType, c10::Device>> keys;
  for (size_t k = n; k-- > 0;) {
    auto key = std::make_pair(r->params[k].scalar_type(), r->params[k].device());
    size_t slot = 0;
    while (slot < keys.size() && keys[slot] != key) slot++;
    if (slot == keys.size()) { keys.push_back(key); open.push_back({{}, 0.0}); }
    auto& cur = open[slot];
    cur.first.push_back(k);
    cur.second += static_cast<double>(r->params[k].numel() * r->params[k].element_size());
    if (cur.second >= (r->buckets.empty() ? firstCap : cap)) { r->buckets.push_back(cur.first); cur = {{}, 0.0}; }
  }
  for (auto& cur : open) if (!cur.first.empty()) r->buckets.push_back(cur.first);
  for (size_t b = 0; b < r->buckets.size(); b++) for (size_t i : r->buckets[b]) r->bucketOf[i] = b;
  r->pending.assign(r->buckets.size(), 0);
  r->Reset();
  // The hooks hold the reducer weakly: once the JS handle is collected they do nothing.
  std::weak_ptr<Reducer> weak = r;
  for (size_t i = 0; i < n; i++) {
    auto acc = torch::autograd::impl::grad_accumulator(r->params[i]);
    acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [weak, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          if (auto self = weak.lock()) self->OnGrad(i, self);
          return outputs;
        }));
    r->accs.push_back(acc);
  }
  return Napi::External<ReducerPtr>::New(info.Env(), new ReducerPtr(r), [](Napi::Env, ReducerPtr* p) { delete p; });
}
static Napi::Value DdpSetSync(const Napi::CallbackInfo& info) {
  Reducer& r = ReducerArg(info, 0);
  std::lock_guard<std::mutex> lk(r.mu);
  r.sync = BoolArg(info, 1, "sync");
  return info.Env().Undefined();
}
static Napi::Value DdpBuckets(const Napi::CallbackInfo& info) {
  Reducer& r = ReducerArg(info, 0);
  Napi::Array a = Napi::Array::New(info.Env(), r.buckets.size());
  for (size_t b = 0; b < r.buckets.size(); b++) {
    Napi::Array x = Napi::Array::New(info.Env(), r.buckets[b].size());
    for (size_t k = 0; k < r.buckets[b].size(); k++) x.Set(k, r.names[r.buckets[b][k]]);
    a.Set(b, x);
  }
  return a;
}
#else
[[noreturn]] static void NoDist(Napi::Env env) {
  throw TorchError(env, "torch.distributed is not available in this build of torchts: its libtorch lacks c10d, or the "
                        "gloo headers were missing at build time (Debian/Ubuntu: apt-get install libgloo-dev, then rebuild)");
}
#define TTS_NODIST(name) static Napi::Value name(const Napi::CallbackInfo& info) { NoDist(info.Env()); }
TTS_NODIST(DistInit) TTS_NODIST(DistAllReduce) TTS_NODIST(DistBroadcast) TTS_NODIST(DistReduce)
TTS_NODIST(DistAllGather) TTS_NODIST(DistGather) TTS_NODIST(DistScatter) TTS_NODIST(DistSend) TTS_NODIST(DistRecv)
TTS_NODIST(DistBarrier) TTS_NODIST(DistBroadcastCoalesced) TTS_NODIST(WorkWait) TTS_NODIST(WorkIsCompleted)
TTS_NODIST(DdpReducer) TTS_NODIST(DdpSetSync) TTS_NODIST(DdpBuckets)
static Napi::Value DistDestroy(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
static Napi::Value DistState(const Napi::CallbackInfo& info) { return info.Env().Null(); }
#endif

TTS_AREA(distributed) {
  TTS_EXPORT(DistBackends);
  TTS_EXPORT(DistInit);
  TTS_EXPORT(DistDestroy);
  TTS_EXPORT(DistState);
  TTS_EXPORT(DistAllReduce);
  TTS_EXPORT(DistBroadcast);
  TTS_EXPORT(DistReduce);
  TTS_EXPORT(DistAllGather);
  TTS_EXPORT(DistGather);
  TTS_EXPORT(DistScatter);
  TTS_EXPORT(DistSend);
  TTS_EXPORT(DistRecv);
  TTS_EXPORT(DistBarrier);
  TTS_EXPORT(DistBroadcastCoalesced);
  TTS_EXPORT(WorkWait);
  TTS_EXPORT(WorkIsCompleted);
  TTS_EXPORT(DdpReducer);
  TTS_EXPORT(DdpSetSync);
  TTS_EXPORT(DdpBuckets);
}

}  // namespace tts
