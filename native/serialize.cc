// Serialization: PyTorch's zip container (through libtorch's own reader and writer), storages, raw file I/O
// into tensor memory (safetensors, legacy files), and the RNG state. The pickle itself is read and written in
// lib/_pickle.ts, so loading never runs code from the file.
#include "common.h"
#include <caffe2/serialize/inline_container.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#ifdef TORCHTS_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

namespace tts {

using caffe2::serialize::PyTorchStreamReader;
using caffe2::serialize::PyTorchStreamWriter;

// ---- zip reader ----
struct ZipReader {
  std::unique_ptr<PyTorchStreamReader> r;
};

static ZipReader& ReaderArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) ThrowType(info.Env(), "argument 'reader' must be a zip reader handle");
  auto* z = info[i].As<Napi::External<ZipReader>>().Data();
  if (!z || !z->r) throw TorchError(info.Env(), "the archive has been closed");
  return *z;
}

// zipReaderOpen(path) -> handle
static Napi::Value ZipReaderOpen(const Napi::CallbackInfo& info) {
  std::string path = StrArg(info, 0, "path");
  auto* z = new ZipReader();
  try {
    z->r = std::make_unique<PyTorchStreamReader>(path);
  } catch (...) {
    delete z;
    throw;
  }
  return Napi::External<ZipReader>::New(info.Env(), z, [](Napi::Env, ZipReader* p) { delete p; });
}

static Napi::Value ZipReaderClose(const Napi::CallbackInfo& info) {
  if (info[0].IsExternal()) {
    auto* z = info[0].As<Napi::External<ZipReader>>().Data();
    if (z) z->r.reset();
  }
  return info.Env().Undefined();
}

// zipRecords(h) -> names of the records, without the archive's folder
static Napi::Value ZipRecords(const Napi::CallbackInfo& info) {
  auto names = ReaderArg(info, 0).r->getAllRecords();
  Napi::Array a = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); i++) a.Set(static_cast<uint32_t>(i), names[i]);
  return a;
}

// zipReadRecord(h, name) -> Buffer (small records: data.pkl, version)
static Napi::Value ZipReadRecord(const Napi::CallbackInfo& info) {
  auto& z = ReaderArg(info, 0);
  std::string name = StrArg(info, 1, "name");
  if (!z.r->hasRecord(name)) throw TorchError(info.Env(), "the archive has no record '" + name + "'");
  auto rec = z.r->getRecord(name);
  size_t n = std::get<1>(rec);
  auto buf = Napi::Buffer<uint8_t>::New(info.Env(), n);
  if (n) std::memcpy(buf.Data(), std::get<0>(rec).get(), n);
  return buf;
}

// zipReadStorage(h, name, dtype) -> id of a 1-D tensor over the record's bytes (read once, not copied again)
static Napi::Value ZipReadStorage(const Napi::CallbackInfo& info) {
  auto& z = ReaderArg(info, 0);
  std::string name = StrArg(info, 1, "name");
  auto dtype = DtypeOf(info[2], "dtype");
  if (!z.r->hasRecord(name)) throw TorchError(info.Env(), "the archive has no storage record '" + name + "'");
  auto rec = z.r->getRecord(name);
  size_t n = std::get<1>(rec);
  size_t el = c10::elementSize(dtype);
  if (n % el != 0)
    throw TorchError(info.Env(), "storage record '" + name + "' holds " + std::to_string(n) +
                                     " bytes, not a whole number of " + std::to_string(el) + "-byte elements");
  c10::Storage st(c10::Storage::use_byte_size_t(), static_cast<int64_t>(n), std::move(std::get<0>(rec)), nullptr, false);
  at::Tensor t = at::empty({0}, at::TensorOptions().dtype(dtype));
  t.set_(st, 0, {static_cast<int64_t>(n / el)}, {1});
  return Napi::Number::New(info.Env(), Put(std::move(t)));
}

// ---- zip writer (to a FILE*; errors are kept and reported at close so libtorch's writer never throws midway) ----
struct ZipWriter {
  FILE* f = nullptr;
  std::unique_ptr<PyTorchStreamWriter> w;
  int err = 0;
  ~ZipWriter() {
    w.reset();
    if (f) fclose(f);
  }
};

static ZipWriter& WriterArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsExternal()) ThrowType(info.Env(), "argument 'writer' must be a zip writer handle");
  auto* z = info[i].As<Napi::External<ZipWriter>>().Data();
  if (!z || !z->w) throw TorchError(info.Env(), "the archive has been closed");
  return *z;
}

// zipWriterOpen(path) -> handle
static Napi::Value ZipWriterOpen(const Napi::CallbackInfo& info) {
  std::string path = StrArg(info, 0, "path");
  FILE* f = fopen(path.c_str(), "wb");
  if (!f) throw TorchError(info.Env(), std::string("cannot open for writing: ") + strerror(errno));
  auto* z = new ZipWriter();
  z->f = f;
  z->w = std::make_unique<PyTorchStreamWriter>([z](const void* buf, size_t n) -> size_t {
    if (z->err == 0 && n && fwrite(buf, 1, n, z->f) != n) z->err = errno ? errno : EIO;
    return n;
  });
  return Napi::External<ZipWriter>::New(info.Env(), z, [](Napi::Env, ZipWriter* p) { delete p; });
}

static void CheckWriter(Napi::Env env, ZipWriter& z) {
  if (z.err) throw TorchError(env, std::string("write failed: ") + strerror(z.err));
}

// zipWriteRecord(h, name, buffer)
static Napi::Value ZipWriteRecord(const Napi::CallbackInfo& info) {
  auto& z = WriterArg(info, 0);
  std::string name = StrArg(info, 1, "name");
  if (!info[2].IsBuffer() && !info[2].IsTypedArray()) ThrowType(info.Env(), "argument 'data' must be a Buffer");
  auto ta = info[2].As<Napi::TypedArray>();
  const uint8_t* p = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  z.w->writeRecord(name, p, ta.ByteLength());
  CheckWriter(info.Env(), z);
  return info.Env().Undefined();
}

// The whole storage of t as CPU bytes (a byte view for CPU tensors, a copy otherwise).
static at::Tensor StorageBytes(const at::Tensor& t) {
  if (!t.has_storage()) throw std::runtime_error("cannot save a tensor without storage (sparse or opaque layout)");
  const c10::Storage& st = t.storage();
  int64_t n = static_cast<int64_t>(st.nbytes());
  at::Tensor b = at::empty({0}, at::TensorOptions().dtype(at::kByte).device(t.device()));
  b.set_(st, 0, {n}, {1});
  return b.device().is_cpu() ? b : b.cpu();
}

// zipWriteStorage(h, name, tensor): the tensor's whole storage, as torch.save does
static Napi::Value ZipWriteStorage(const Napi::CallbackInfo& info) {
  auto& z = WriterArg(info, 0);
  std::string name = StrArg(info, 1, "name");
  at::Tensor b = StorageBytes(TensorArg(info, 2, "tensor"));
  z.w->writeRecord(name, b.numel() ? b.data_ptr() : nullptr, static_cast<size_t>(b.numel()));
  CheckWriter(info.Env(), z);
  return info.Env().Undefined();
}

// zipWriterClose(h): writes the central directory and closes the file
static Napi::Value ZipWriterClose(const Napi::CallbackInfo& info) {
  auto& z = WriterArg(info, 0);
  z.w->writeEndOfFile();
  z.w.reset();
  int err = z.err;
  if (fflush(z.f) != 0 && !err) err = errno ? errno : EIO;
  if (fclose(z.f) != 0 && !err) err = errno ? errno : EIO;
  z.f = nullptr;
  if (err) throw TorchError(info.Env(), std::string("write failed: ") + strerror(err));
  return info.Env().Undefined();
}

// storageInfo(t) -> { key, nbytes, offset, device }: storages shared between tensors are written once
static Napi::Value StorageInfo(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  if (!t.has_storage()) throw TorchError(info.Env(), "cannot save a tensor without storage (sparse or opaque layout)");
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  char key[32];
  snprintf(key, sizeof key, "%p", static_cast<const void*>(t.storage().unsafeGetStorageImpl()));
  o.Set("key", key);
  o.Set("nbytes", Napi::Number::New(env, static_cast<double>(t.storage().nbytes())));
  o.Set("offset", Napi::Number::New(env, static_cast<double>(t.storage_offset())));
  o.Set("device", t.device().str());
  return o;
}

// tensorFromStorage(storage, offset, size, stride) -> a tensor on the same storage (not a view: a leaf, like
// torch._utils._rebuild_tensor). Bounds are checked here so that no file can make a tensor read past its storage.
static Napi::Value TensorFromStorage(const Napi::CallbackInfo& info) {
  auto& s = TensorArg(info, 0, "storage");
  int64_t offset = IntArg(info, 1, "offset");
  auto size = IntListArg(info, 2, "size");
  auto stride = IntListArg(info, 3, "stride");
  Napi::Env env = info.Env();
  // an optional dtype reinterprets the storage's bytes (torch._utils._rebuild_tensor_v3 on an untyped storage)
  c10::ScalarType dtype = info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull() ? DtypeOf(info[4], "dtype")
                                                                                           : s.scalar_type();
  if (size.size() != stride.size()) throw TorchError(env, "size and stride have different lengths");
  if (offset < 0) throw TorchError(env, "negative storage offset");
  int64_t el = static_cast<int64_t>(c10::elementSize(dtype));
  int64_t avail = static_cast<int64_t>(s.storage().nbytes()) / el;
  bool empty = false;
  for (auto d : size) {
    if (d < 0) throw TorchError(env, "negative size");
    if (d == 0) empty = true;
  }
  if (!empty) {
    // highest element index reached, with overflow checks
    __int128 last = offset;
    for (size_t i = 0; i < size.size(); i++) {
      if (stride[i] < 0) throw TorchError(env, "negative stride");
      last += static_cast<__int128>(size[i] - 1) * stride[i];
    }
    if (last >= avail)
      throw TorchError(env, "tensor reaches element " + std::to_string(static_cast<int64_t>(last)) +
                                " of a storage that has " + std::to_string(avail) + " elements");
  } else if (offset > avail) {
    throw TorchError(env, "storage offset past the end of its storage");
  }
  at::Tensor t = at::empty({0}, s.options().dtype(dtype));
  t.set_(s.storage(), offset, size, stride);
  return Napi::Number::New(env, Put(std::move(t)));
}

// ---- raw file I/O straight into / out of tensor memory ----
// readInto(tensor, fd, position): fills a contiguous CPU tensor with bytes read from fd at position
static Napi::Value ReadInto(const Napi::CallbackInfo& info) {
  auto& t = TensorArg(info, 0, "tensor");
  int fd = static_cast<int>(IntArg(info, 1, "fd"));
  double pos = NumArg(info, 2, "position");
  Napi::Env env = info.Env();
  if (!t.device().is_cpu() || !t.is_contiguous()) throw TorchError(env, "readInto needs a contiguous CPU tensor");
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  char* p = static_cast<char*>(t.data_ptr());
  off_t off = static_cast<off_t>(pos);
  while (n > 0) {
    ssize_t r = pread(fd, p, n > (1 << 30) ? (1 << 30) : n, off);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw TorchError(env, std::string("read failed: ") + strerror(errno));
    }
    if (r == 0) throw TorchError(env, "unexpected end of file");
    p += r; n -= static_cast<size_t>(r); off += r;
  }
  return env.Undefined();
}

// writeFrom(fd, tensor): writes the tensor's elements (row-major, CPU) at fd's current position
static Napi::Value WriteFrom(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(IntArg(info, 0, "fd"));
  at::Tensor t = TensorArg(info, 1, "tensor").detach();
  if (!t.device().is_cpu()) t = t.cpu();
  t = t.contiguous();
  size_t n = static_cast<size_t>(t.numel()) * t.element_size();
  const char* p = n ? static_cast<const char*>(t.data_ptr()) : nullptr;
  while (n > 0) {
    ssize_t r = write(fd, p, n > (1 << 30) ? (1 << 30) : n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw TorchError(info.Env(), std::string("write failed: ") + strerror(errno));
    }
    p += r; n -= static_cast<size_t>(r);
  }
  return info.Env().Undefined();
}

// ---- RNG state: the CPU generator's state as a uint8 tensor, as torch.get_rng_state() ----
static Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return Napi::Number::New(info.Env(), Put(gen.get_state()));
}
static Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  auto& s = TensorArg(info, 0, "state");
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(s);
  return info.Env().Undefined();
}
// CUDA generators (one per device); null without CUDA
static Napi::Value CudaGetRngState(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  int64_t d = IntArg(info, 0, "device");
  if (d < 0 || d >= static_cast<int64_t>(torch::cuda::device_count())) throw TorchError(info.Env(), "invalid CUDA device");
  auto gen = at::cuda::detail::getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(d));
  std::lock_guard<std::mutex> lock(gen.mutex());
  return Napi::Number::New(info.Env(), Put(gen.get_state()));
#else
  return info.Env().Null();
#endif
}
static Napi::Value CudaSetRngState(const Napi::CallbackInfo& info) {
#ifdef TORCHTS_CUDA
  int64_t d = IntArg(info, 0, "device");
  auto& s = TensorArg(info, 1, "state");
  if (d < 0 || d >= static_cast<int64_t>(torch::cuda::device_count())) throw TorchError(info.Env(), "invalid CUDA device");
  auto gen = at::cuda::detail::getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(d));
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(s);
#endif
  return info.Env().Undefined();
}

TTS_AREA(serialize) {
  TTS_EXPORT(ZipReaderOpen);
  TTS_EXPORT(ZipReaderClose);
  TTS_EXPORT(ZipRecords);
  TTS_EXPORT(ZipReadRecord);
  TTS_EXPORT(ZipReadStorage);
  TTS_EXPORT(ZipWriterOpen);
  TTS_EXPORT(ZipWriteRecord);
  TTS_EXPORT(ZipWriteStorage);
  TTS_EXPORT(ZipWriterClose);
  TTS_EXPORT(StorageInfo);
  TTS_EXPORT(TensorFromStorage);
  TTS_EXPORT(ReadInto);
  TTS_EXPORT(WriteFrom);
  TTS_EXPORT(GetRngState);
  TTS_EXPORT(SetRngState);
  TTS_EXPORT(CudaGetRngState);
  TTS_EXPORT(CudaSetRngState);
}

}  // namespace tts
