// A small HTTP inference server: loads a TorchScript model and classifies uploaded images with forwardAsync,
// which runs off the event loop so the server keeps answering while a forward pass runs.
//
//   npm run demo                                     # writes runs/<timestamp>/model_ts.pt and meta.json
//   npx ts-node -T examples/serve_torchscript.ts --model runs/<timestamp>/model_ts.pt --port 8080
//   curl --data-binary @digit.png -H "Content-Type: image/png" localhost:8080/predict
//   → {"predictions":[{"index":7,"label":"7","probability":0.998}, ...],"ms":3.1}
//
// --tiny traces a randomly initialised CNN to a temporary file, serves it on a free port, posts one generated
// image to itself, prints the answer and exits (a smoke test for CI).
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as http from "http";
import { parseArgs } from "util";
import sharp from "sharp";
import * as torch from "../lib";
import { jit, train, Tensor } from "../lib";
import { TutorialCNN } from "./models/tutorial_cnn";
import { CLASSES } from "./datasets";

/** What the server needs to know about the model's input; the demo writes it as meta.json beside the model. */
interface Meta { classes: string[]; mean: number[]; std: number[]; shape: [number, number, number]; }

const MNIST_META: Meta = { classes: CLASSES.mnist, mean: [0.1307], std: [0.3081], shape: [1, 28, 28] };

/** Decodes an uploaded image (PNG, JPEG, WebP, ...) with sharp into a normalised [1, C, H, W] tensor. */
async function imageToTensor(body: Buffer, meta: Meta): Promise<Tensor> {
  const [c, h, w] = meta.shape;
  let img = sharp(body).resize(w, h, { fit: "fill" }).removeAlpha();
  if (c === 1) img = img.greyscale();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== c) throw new Error(`decoded ${info.channels} channels, the model wants ${c}`);
  // HWC bytes → CHW floats in [0, 1]; MNIST-like models want a light digit on black: invert light backgrounds.
  const chw = new Float32Array(c * h * w);
  let mean = 0;
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) { const v = data[i * c + k] / 255; chw[k * h * w + i] = v; mean += v; }
  if (c === 1 && mean / (h * w) > 0.5) for (let i = 0; i < chw.length; i++) chw[i] = 1 - chw[i];
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) chw[k * h * w + i] = (chw[k * h * w + i] - meta.mean[k]) / meta.std[k];
  return torch.fromTypedArray(chw, [1, c, h, w]);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>torchts inference</title>
<h3>Upload an image to classify</h3><input type="file" id="f" accept="image/*"><pre id="o"></pre>
<script>f.onchange = async () => { const r = await fetch("/predict", { method: "POST", body: f.files[0] });
o.textContent = JSON.stringify(await r.json(), null, 1); };</script>`;

export function createServer(model: jit.ScriptModule, meta: Meta, opts: { topk?: number } = {}): http.Server {
  return http.createServer((req, res) => {
    const reply = (code: number, body: any, type = "application/json") => {
      res.writeHead(code, { "Content-Type": type });
      res.end(type === "application/json" ? JSON.stringify(body) : body);
    };
    if (req.method === "GET" && (req.url === "/" || req.url === "/index.html")) return reply(200, PAGE, "text/html");
    if (req.method === "GET" && req.url === "/health") return reply(200, { ok: true, classes: meta.classes.length });
    if (req.method !== "POST" || req.url !== "/predict") return reply(404, { error: "POST an image to /predict" });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => { size += c.length; if (size > 10e6) req.destroy(); else chunks.push(c); });
    req.on("end", async () => {
      let x: Tensor | null = null, logits: Tensor | null = null;
      try {
        x = await imageToTensor(Buffer.concat(chunks), meta);
        const t0 = process.hrtime.bigint();
        logits = (await model.forwardAsync(x)) as Tensor;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const k = Math.min(opts.topk ?? 3, meta.classes.length);
        const predictions = torch.tidy(() => {
          const [p, i] = logits!.softmax(1).topk(k, 1);
          const pa = p.toArray()[0] as number[], ia = i.toArray()[0] as number[];
          return ia.map((idx, j) => ({ index: idx, label: meta.classes[idx] ?? String(idx), probability: Number(pa[j].toFixed(4)) }));
        });
        reply(200, { predictions, ms: Number(ms.toFixed(2)) });
      } catch (e: any) {
        reply(400, { error: e?.message ?? String(e) });
      } finally {
        x?.dispose(); logits?.dispose();
      }
    });
  });
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: {
    model: { type: "string" }, meta: { type: "string" }, port: { type: "string", default: "8080" },
    device: { type: "string", default: "cpu" }, tiny: { type: "boolean", default: false },
  } });
  let modelPath = a.model, meta = MNIST_META, tmp: string | null = null;
  if (a.tiny) {
    // A random CNN, traced and saved: stands in for the demo's model_ts.pt.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tts-serve-"));
    torch.manualSeed(0);
    const net = new TutorialCNN({ inChannels: 1, imageSize: 28, channels: [8, 16, 32], hidden: 32 }).eval();
    const example = torch.zeros([1, 1, 28, 28]);
    jit.trace(net, [example]).save((modelPath = path.join(tmp, "model_ts.pt")));
    example.dispose();
  }
  if (!modelPath) throw new Error("--model <TorchScript file> is required (npm run demo writes runs/<timestamp>/model_ts.pt)");
  const metaPath = a.meta ?? path.join(path.dirname(modelPath), "meta.json");
  if (fs.existsSync(metaPath)) meta = JSON.parse(fs.readFileSync(metaPath, "utf8"));
  const model = jit.load(modelPath, { device: a.device }).eval();
  const server = createServer(model, meta);
  await new Promise<void>((r) => server.listen(a.tiny ? 0 : Number(a.port), r));
  const port = (server.address() as any).port;
  console.log(`Serving ${modelPath} on http://localhost:${port}/ (POST an image to /predict)`);
  if (!a.tiny) return;

  // Smoke test: a white "1"-like bar on black, posted as PNG; then three concurrent requests.
  const px = new Uint8Array(28 * 28);
  for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) px[y * 28 + x] = 255;
  const png = train.encodePNG(px, 28, 28, 1);
  const post = async () => {
    const r = await fetch(`http://localhost:${port}/predict`, { method: "POST", body: png, headers: { "Content-Type": "image/png" } });
    if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
    return r.json();
  };
  const first: any = await post();
  console.log("POST /predict →", JSON.stringify(first));
  const many = await Promise.all([post(), post(), post()]);
  console.log(`3 concurrent requests answered: ${many.every((m: any) => m.predictions[0].index === first.predictions[0].index)}`);
  const bad = await fetch(`http://localhost:${port}/predict`, { method: "POST", body: "not an image" });
  console.log(`a bad upload → HTTP ${bad.status}`);
  server.close();
  fs.rmSync(tmp!, { recursive: true, force: true });
}

if (require.main === module) main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
