// CUDA devices, memory, streams, events, graphs and the backend switches. Every CUDA call compiles out on a
// CPU libtorch (TORCHTS_CUDA unset); then the entries that need a device throw a TorchError saying so.
#include "common.h"
#ifdef TORCHTS_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif
#include <mutex>

namespace tts {

#ifdef TORCHTS_CUDA
static int DeviceIndex(const Napi::CallbackInfo& info, size_t i) {
  int d = info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1;
  return d < 0 ? static_cast<int>(c10::cuda::current_device()) : d;
}
#endif

static Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}
static Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}
[[noreturn]] static void NoCuda(Napi::Env env) {
#ifdef TORCHTS_CUDA
  throw TorchError(env, "CUDA is not available: torchts was built against a CUDA libtorch, but no GPU and driver "
                        "were found (see README: \"Using a CUDA libtorch\")");
#else
  throw TorchError(env, "CUDA is not available: torchts was built against a CPU-only libtorch "
                        "(see README: \"Using a CUDA libtorch\")");
#endif
}
static Napi::Value CudaVersions(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TORCHTS_CUDA
  int rt = 0, drv = 0;
  cudaRuntimeGetVersion(&rt);
  cudaDriverGetVersion(&drv);
  o.Set("runtime", rt);
  o.Set("driver", drv);
  o.Set("cudnn", torch::cuda::cudnn_is_available() ? static_cast<double>(at::detail::getCUDAHooks().versionCuDNN()) : 0.0);
#endif
  return o;
}
static Napi::Value CudaGetDeviceName(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto* p = at::cuda::getDeviceProperties(DeviceIndex(info, 0));
  return Napi::String::New(info.Env(), p->name);
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGetDeviceProperties(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto* p = at::cuda::getDeviceProperties(DeviceIndex(info, 0));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("name", p->name);
  o.Set("totalMemory", static_cast<double>(p->totalGlobalMem));
  o.Set("major", p->major);
  o.Set("minor", p->minor);
  o.Set("multiProcessorCount", p->multiProcessorCount);
  return o;
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaCurrentDevice(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::Number::New(info.Env(), c10::cuda::current_device());
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaSetDevice(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(IntArg(info, 0, "device")));
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  c10::cuda::device_synchronize();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}

#ifdef TORCHTS_CUDA
static c10::cuda::CUDACachingAllocator::DeviceStats Stats(const Napi::CallbackInfo& info) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(DeviceIndex(info, 0));
}
#endif
static Napi::Value CudaMemoryAllocated(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.allocated_bytes[0].current));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaMaxMemoryAllocated(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.allocated_bytes[0].peak));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaMemoryReserved(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Number::New(info.Env(), 0);
  auto s = Stats(info);
  return Napi::Number::New(info.Env(), static_cast<double>(s.reserved_bytes[0].current));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}
static Napi::Value CudaResetPeakMemoryStats(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(DeviceIndex(info, 0));
#endif
  return info.Env().Undefined();
}
static Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}
static Napi::Value CudaManualSeedAll(const Napi::CallbackInfo& info) {
  // torch::manual_seed already seeds every CUDA generator when CUDA is present.
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(static_cast<uint64_t>(IntArg(info, 0, "seed")));
  return info.Env().Undefined();
}
static Napi::Value CudaManualSeed(const Napi::CallbackInfo& info) {
  if (torch::cuda::is_available()) torch::cuda::manual_seed(static_cast<uint64_t>(IntArg(info, 0, "seed")));
  return info.Env().Undefined();
}

static Napi::Value CudaMemGetInfo(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(DeviceIndex(info, 0)));
  size_t freeB = 0, totalB = 0;
  C10_CUDA_CHECK(cudaMemGetInfo(&freeB, &totalB));
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, static_cast<double>(freeB));
  a.Set(1u, static_cast<double>(totalB));
  return a;
#else
  NoCuda(info.Env());
#endif
}

// ---- Streams: a process-wide table of the streams JS has seen; JS holds the index. ----
#ifdef TORCHTS_CUDA
static std::mutex gStreamMutex;
static std::vector<c10::cuda::CUDAStream>& Streams() {
  static std::vector<c10::cuda::CUDAStream> streams;
  return streams;
}
static int StreamIndex(const c10::cuda::CUDAStream& s) {
  std::lock_guard<std::mutex> lk(gStreamMutex);
  auto& v = Streams();
  for (size_t i = 0; i < v.size(); i++) if (v[i] == s) return static_cast<int>(i);
  v.push_back(s);
  return static_cast<int>(v.size() - 1);
}
static c10::cuda::CUDAStream StreamArg(const Napi::CallbackInfo& info, size_t i) {
  // -1 / undefined: the current stream of the current device.
  if (info.Length() <= i || !info[i].IsNumber() || info[i].As<Napi::Number>().Int32Value() < 0)
    return c10::cuda::getCurrentCUDAStream();
  int k = info[i].As<Napi::Number>().Int32Value();
  std::lock_guard<std::mutex> lk(gStreamMutex);
  if (k >= static_cast<int>(Streams().size())) ThrowType(info.Env(), "argument 'stream' is not a stream handle");
  return Streams()[k];
}
#endif
// streamNew(device, highPriority) -> handle: a stream from libtorch's pool (as torch.cuda.Stream()).
static Napi::Value CudaStreamNew(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  bool high = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  auto s = c10::cuda::getStreamFromPool(high, static_cast<c10::DeviceIndex>(DeviceIndex(info, 0)));
  return Napi::Number::New(info.Env(), StreamIndex(s));
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaCurrentStream(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::Number::New(info.Env(), StreamIndex(c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(DeviceIndex(info, 0)))));
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaDefaultStream(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::Number::New(info.Env(), StreamIndex(c10::cuda::getDefaultCUDAStream(static_cast<c10::DeviceIndex>(DeviceIndex(info, 0)))));
#else
  NoCuda(info.Env());
#endif
}
// setStream(handle) -> the handle of the stream it replaces (on the stream's device).
static Napi::Value CudaSetStream(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto s = StreamArg(info, 0);
  int prev = StreamIndex(c10::cuda::getCurrentCUDAStream(s.device_index()));
  c10::cuda::setCurrentCUDAStream(s);
  return Napi::Number::New(info.Env(), prev);
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaStreamSynchronize(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  StreamArg(info, 0).synchronize();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaStreamQuery(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::Boolean::New(info.Env(), StreamArg(info, 0).query());
#else
  NoCuda(info.Env());
#endif
}
// streamInfo(handle) -> { device, id, priority }
static Napi::Value CudaStreamInfo(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto s = StreamArg(info, 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("device", static_cast<double>(s.device_index()));
  o.Set("id", static_cast<double>(s.id()));
  o.Set("priority", s.priority());
  return o;
#else
  NoCuda(info.Env());
#endif
}
// streamWaitStream(waiter, waitee): work queued later on `waiter` waits for what is queued on `waitee` now.
static Napi::Value CudaStreamWaitStream(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  auto waiter = StreamArg(info, 0), waitee = StreamArg(info, 1);
  at::cuda::CUDAEvent ev(cudaEventDisableTiming);
  ev.record(waitee);
  ev.block(waiter);
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
// isCurrentStreamCapturing(): true while the current stream is being captured into a CUDA graph.
static Napi::Value CudaIsCurrentStreamCapturing(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) return Napi::Boolean::New(info.Env(), false);
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  C10_CUDA_CHECK(cudaStreamIsCapturing(c10::cuda::getCurrentCUDAStream().stream(), &st));
  return Napi::Boolean::New(info.Env(), st != cudaStreamCaptureStatusNone);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// ---- Events: a JS External owns each at::cuda::CUDAEvent (freed with it). ----
#ifdef TORCHTS_CUDA
static at::cuda::CUDAEvent& EventArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsExternal()) ThrowType(info.Env(), std::string("argument '") + name + "' must be a cuda.Event");
  return *info[i].As<Napi::External<at::cuda::CUDAEvent>>().Data();
}
#endif
// eventNew(enableTiming, blocking, interprocess) -> External
static Napi::Value CudaEventNew(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  unsigned flags = BoolArg(info, 0, "enableTiming") ? cudaEventDefault : cudaEventDisableTiming;
  if (BoolArg(info, 1, "blocking")) flags |= cudaEventBlockingSync;
  if (BoolArg(info, 2, "interprocess")) flags |= cudaEventInterprocess | cudaEventDisableTiming;
  return Napi::External<at::cuda::CUDAEvent>::New(info.Env(), new at::cuda::CUDAEvent(flags),
                                                  [](Napi::Env, at::cuda::CUDAEvent* e) { delete e; });
#else
  NoCuda(info.Env());
#endif
}
// eventRecord(event, stream|-1)
static Napi::Value CudaEventRecord(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  EventArg(info, 0, "event").record(StreamArg(info, 1));
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
// eventWait(event, stream|-1): work queued later on the stream waits for the event.
static Napi::Value CudaEventWait(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  EventArg(info, 0, "event").block(StreamArg(info, 1));
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaEventQuery(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  return Napi::Boolean::New(info.Env(), EventArg(info, 0, "event").query());
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaEventSynchronize(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  EventArg(info, 0, "event").synchronize();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
// eventElapsedTime(start, end) -> milliseconds between the two recorded events
static Napi::Value CudaEventElapsedTime(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  auto& a = EventArg(info, 0, "start");
  auto& b = EventArg(info, 1, "end");
  return Napi::Number::New(info.Env(), a.elapsed_time(b));
#else
  NoCuda(info.Env());
#endif
}

// ---- CUDA graphs: a JS External owns each at::cuda::CUDAGraph. Memory pools cross as [a, b] pairs. ----
#ifdef TORCHTS_CUDA
// After a failed capture some libtorch versions leave the allocator holding a callback into the graph
// object (capture_end throws before ending the pool routing); such a graph is never deleted.
struct GraphBox {
  at::cuda::CUDAGraph g;
  bool captureFailed = false;
};
static GraphBox& BoxArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsExternal()) ThrowType(info.Env(), "argument 'graph' must be a cuda.CUDAGraph");
  return *info[i].As<Napi::External<GraphBox>>().Data();
}
static at::cuda::CUDAGraph& GraphArg(const Napi::CallbackInfo& info, size_t i) { return BoxArg(info, i).g; }
using Pool = decltype(at::cuda::graph_pool_handle());  // a pair of ids (c10::cuda::MempoolId_t)
static Napi::Value PoolToJs(Napi::Env env, const Pool& p) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, static_cast<double>(p.first));
  a.Set(1u, static_cast<double>(p.second));
  return a;
}
#endif
static Napi::Value CudaGraphNew(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return Napi::External<GraphBox>::New(info.Env(), new GraphBox(), [](Napi::Env, GraphBox* b) {
    if (!b->captureFailed) delete b;
  });
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGraphPoolHandle(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  if (!torch::cuda::is_available()) NoCuda(info.Env());
  return PoolToJs(info.Env(), at::cuda::graph_pool_handle());
#else
  NoCuda(info.Env());
#endif
}
// graphCaptureBegin(graph, poolA, poolB, mode): mode "global" | "thread_local" | "relaxed" (libtorch >= 2).
static Napi::Value CudaGraphCaptureBegin(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  auto& g = GraphArg(info, 0);
  Pool pool{static_cast<Pool::first_type>(IntArg(info, 1, "pool")), static_cast<Pool::second_type>(IntArg(info, 2, "pool"))};
  std::string mode = info.Length() > 3 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "global";
#if TORCH_VERSION_MAJOR >= 2
  cudaStreamCaptureMode m = cudaStreamCaptureModeGlobal;
  if (mode == "thread_local") m = cudaStreamCaptureModeThreadLocal;
  else if (mode == "relaxed") m = cudaStreamCaptureModeRelaxed;
  else if (mode != "global") ThrowType(info.Env(), "argument 'captureErrorMode' must be \"global\", \"thread_local\" or \"relaxed\"");
  g.capture_begin(pool, m);
#else
  if (mode != "global") throw TorchError(info.Env(), "captureErrorMode needs libtorch 2.x; this libtorch captures in \"global\" mode only");
  g.capture_begin(pool);
#endif
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGraphCaptureEnd(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  auto& box = BoxArg(info, 0);
  try {
    box.g.capture_end();
  } catch (...) {
    box.captureFailed = true;
    throw;
  }
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGraphReplay(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  GraphArg(info, 0).replay();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGraphReset(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  GraphArg(info, 0).reset();
  return info.Env().Undefined();
#else
  NoCuda(info.Env());
#endif
}
static Napi::Value CudaGraphPool(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  return PoolToJs(info.Env(), GraphArg(info, 0).pool());
#else
  NoCuda(info.Env());
#endif
}

// ---- Backend switches (torch.backends.cudnn / .cuda.matmul, torch.set_float32_matmul_precision). ----
// They are process-wide settings of at::globalContext(); setting them needs no device.
static Napi::Value BackendsGet(const Napi::CallbackInfo& info) {
  auto& ctx = at::globalContext();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cudnnEnabled", ctx.userEnabledCuDNN());
  o.Set("cudnnBenchmark", ctx.benchmarkCuDNN());
  o.Set("cudnnDeterministic", ctx.deterministicCuDNN());
  o.Set("cudnnAllowTf32", ctx.allowTF32CuDNN());
  o.Set("matmulAllowTf32", ctx.allowTF32CuBLAS());
  const char* prec = "highest";
  switch (ctx.float32MatmulPrecision()) {
    case at::Float32MatmulPrecision::HIGH: prec = "high"; break;
    case at::Float32MatmulPrecision::MEDIUM: prec = "medium"; break;
    default: break;
  }
  o.Set("float32MatmulPrecision", prec);
  o.Set("deterministicAlgorithms", ctx.deterministicAlgorithms());
  return o;
}
// backendsSet(name, value)
static Napi::Value BackendsSet(const Napi::CallbackInfo& info) {
  auto& ctx = at::globalContext();
  std::string name = StrArg(info, 0, "name");
  if (name == "float32MatmulPrecision") {
    std::string p = StrArg(info, 1, "precision");
    if (p != "highest" && p != "high" && p != "medium")
      ThrowType(info.Env(), "precision must be \"highest\", \"high\" or \"medium\"");
    ctx.setFloat32MatmulPrecision(p);
    return info.Env().Undefined();
  }
  bool v = BoolArg(info, 1, "value");
  if (name == "cudnnEnabled") ctx.setUserEnabledCuDNN(v);
  else if (name == "cudnnBenchmark") ctx.setBenchmarkCuDNN(v);
  else if (name == "cudnnDeterministic") ctx.setDeterministicCuDNN(v);
  else if (name == "cudnnAllowTf32") ctx.setAllowTF32CuDNN(v);
  else if (name == "matmulAllowTf32") ctx.setAllowTF32CuBLAS(v);
  else if (name == "deterministicAlgorithms") ctx.setDeterministicAlgorithms(v, false);
  else ThrowType(info.Env(), "unknown backend setting '" + name + "'");
  return info.Env().Undefined();
}

// Raises the error a failing CUDA allocation raises, so that the error path can be checked without a GPU.
static Napi::Value CudaTestRaiseOutOfMemory(const Napi::CallbackInfo& info) {
  TORCH_CHECK_WITH(OutOfMemoryError, false, "CUDA out of memory. Tried to allocate 1.00 GiB (raised by a test)");
  return info.Env().Undefined();
}

TTS_AREA(cuda) {
  TTS_EXPORT(CudaIsAvailable);
  TTS_EXPORT(CudaDeviceCount);
  TTS_EXPORT(CudaVersions);
  TTS_EXPORT(CudaGetDeviceName);
  TTS_EXPORT(CudaGetDeviceProperties);
  TTS_EXPORT(CudaCurrentDevice);
  TTS_EXPORT(CudaSetDevice);
  TTS_EXPORT(CudaSynchronize);
  TTS_EXPORT(CudaMemoryAllocated);
  TTS_EXPORT(CudaMaxMemoryAllocated);
  TTS_EXPORT(CudaMemoryReserved);
  TTS_EXPORT(CudaResetPeakMemoryStats);
  TTS_EXPORT(CudaEmptyCache);
  TTS_EXPORT(CudaManualSeedAll);
  TTS_EXPORT(CudaManualSeed);
  TTS_EXPORT(CudaMemGetInfo);
  TTS_EXPORT(CudaStreamNew);
  TTS_EXPORT(CudaCurrentStream);
  TTS_EXPORT(CudaDefaultStream);
  TTS_EXPORT(CudaSetStream);
  TTS_EXPORT(CudaStreamSynchronize);
  TTS_EXPORT(CudaStreamQuery);
  TTS_EXPORT(CudaStreamInfo);
  TTS_EXPORT(CudaStreamWaitStream);
  TTS_EXPORT(CudaIsCurrentStreamCapturing);
  TTS_EXPORT(CudaEventNew);
  TTS_EXPORT(CudaEventRecord);
  TTS_EXPORT(CudaEventWait);
  TTS_EXPORT(CudaEventQuery);
  TTS_EXPORT(CudaEventSynchronize);
  TTS_EXPORT(CudaEventElapsedTime);
  TTS_EXPORT(CudaGraphNew);
  TTS_EXPORT(CudaGraphPoolHandle);
  TTS_EXPORT(CudaGraphCaptureBegin);
  TTS_EXPORT(CudaGraphCaptureEnd);
  TTS_EXPORT(CudaGraphReplay);
  TTS_EXPORT(CudaGraphReset);
  TTS_EXPORT(CudaGraphPool);
  TTS_EXPORT(BackendsGet);
  TTS_EXPORT(BackendsSet);
  TTS_EXPORT(CudaTestRaiseOutOfMemory);
}

}  // namespace tts
