// The body of a DataLoader worker thread: rebuilds the dataset, then loads the batches it is asked for.
import { parentPort, workerData } from "worker_threads";
import "../index";
import { Generator, withGenerator } from "../generator";
import { _created } from "../memory";
import { Tensor } from "../tensor";
import { itemOf } from "./dataset";
import { defaultCollate, tensorsIn } from "./collate";
import { Packer, Unpacker, _setWorkerInfo } from "./worker_pack";
import { _setThreadGenerator } from "../_rng";

const wd = workerData as { port: any; signal: SharedArrayBuffer; dataset: any; collate: boolean; id: number; numWorkers: number; seed: string };
const sig = new Int32Array(wd.signal);
const port = wd.port;

function post(msg: any): void {
  port.postMessage(msg);
  Atomics.add(sig, 0, 1);
  Atomics.notify(sig, 0);
}
function errInfo(e: any): { message: string; stack?: string; name?: string } {
  return { message: e?.message ?? String(e), stack: e?.stack, name: e?.name };
}

let dataset: any;
try {
  dataset = new Unpacker().unpack(wd.dataset);
  _setWorkerInfo({ id: wd.id, numWorkers: wd.numWorkers, seed: BigInt(wd.seed), dataset });
  // torch.rand & co. in the dataset draw from this worker's own generator, seeded base_seed + id as PyTorch seeds a worker
  _setThreadGenerator(new Generator().manualSeed(BigInt(wd.seed)));
  post({ type: "ready" });
} catch (e) {
  post({ type: "init-error", error: errInfo(e) });
}

const gen = new Generator();
parentPort!.on("message", (m: any) => {
  if (m.type === "close") { parentPort!.close(); port.close(); return; }
  if (m.type !== "batch" || !dataset || Atomics.load(sig, 2)) return;
  let item = -1;
  try {
    gen.manualSeed(BigInt(m.seed));
    // only tensors made for this batch are freed here; the dataset's own ones are left alone
    const [out, created] = _created(() => {
      const items = withGenerator(gen, () => m.indices.map((i: number) => { item = i; return itemOf(dataset, i); }));
      item = -1;
      return wd.collate ? defaultCollate(items) : items;
    });
    const outT = tensorsIn(out);
    for (const t of created) if (!outT.has(t as Tensor)) (t as Tensor).dispose();
    const packer = new Packer(false);
    let data: any;
    try { data = packer.pack(out, "batch"); } catch (e) { packer.dropAll(); throw e; }
    for (const t of outT) if (created.has(t)) t.dispose();  // the hand-off registry holds them now
    if (Atomics.load(sig, 2)) { packer.dropAll(); return; }  // the loader closed meanwhile
    post({ type: "batch", batch: m.batch, data });
  } catch (e) {
    post({ type: "batch", batch: m.batch, error: errInfo(e), item });
  }
});
