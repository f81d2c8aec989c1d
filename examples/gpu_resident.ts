// GPU-resident training of the tutorial's CIFAR-10 CNN, the way the fastest CIFAR-10 trainers do it: the whole
// dataset sits on the device as uint8; each batch is drawn, augmented (random crop with padding 4, horizontal flip,
// per sample, drawn on the device) and normalised there; the training step (forward in bfloat16 autocast on
// channels_last tensors, backward, Adam with capturable: true) is captured once into a CUDA graph and replayed;
// loss and accuracy accumulate on the device and are read once per epoch. Nothing waits for the GPU in between.
//
//   npx ts-node -T examples/gpu_resident.ts --data-dir data/cifar-10-batches-bin --epochs 30 --batch-size 512
//   npx ts-node -T examples/gpu_resident.ts --tiny        # seconds on the CPU (synthetic CIFAR-format files), for CI
//
// --data-dir holds CIFAR-10's binary version (data_batch_1..5.bin, test_batch.bin). On the CPU the same code runs:
// makeGraphedTrainStep says once that it cannot capture a graph and runs the step eagerly.
import "./_env"; // before libtorch loads: OpenMP threads sleep when idle (see _env.ts)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import * as torch from "../lib";
import { nn, optim, data, vision, cuda, Tensor } from "../lib";
import { Cifar10CNN } from "./models/cifar10_cnn";

const T = vision.transforms;
const MEAN = [0.4914, 0.4822, 0.4465], STD = [0.247, 0.2435, 0.2616];

/** A small CIFAR-10-format folder (5 training files and a test file) whose classes differ in colour: learnable. */
function writeTinyCifar(dir: string, perFile: number, testRecords: number): void {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
  const files = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat(["test_batch.bin"]);
  files.forEach((f, i) => {
    const n = i < 5 ? perFile : testRecords;
    const b = Buffer.alloc(n * 3073);
    for (let r = 0; r < n; r++) {
      const label = (r * 7 + i) % 10, o = r * 3073;
      b[o] = label;
      for (let c = 0; c < 3; c++) {
        const base = 40 + 20 * ((label + 3 * c) % 10);
        for (let k = 0; k < 1024; k++) b[o + 1 + c * 1024 + k] = Math.min(255, base + (rnd() >> 2));
      }
    }
    fs.writeFileSync(path.join(dir, f), b);
  });
}

function main(): void {
  const { values: a } = parseArgs({ options: {
    "data-dir": { type: "string", default: "data/cifar-10-batches-bin" }, epochs: { type: "string", default: "30" },
    "batch-size": { type: "string", default: "512" }, device: { type: "string" }, lr: { type: "string", default: "0.001" },
    seed: { type: "string", default: "42" }, tiny: { type: "boolean", default: false },
  } });
  const device = a.device ?? (cuda.isAvailable() ? "cuda" : "cpu");
  const onCuda = device.startsWith("cuda");
  const epochs = a.tiny ? 2 : Number(a.epochs), batchSize = a.tiny ? 32 : Number(a["batch-size"]);
  torch.manualSeed(Number(a.seed));
  let root = a["data-dir"]!, tmp: string | null = null;
  if (a.tiny) { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tts-gpu-resident-")); writeTinyCifar(tmp, 64, 128); root = tmp; }

  try {
    // The datasets on the device as uint8 [N, 32, 32, 3]; augmentation runs on whole batches there.
    const trainSet = new vision.datasets.CIFAR10({ root, train: true }).toDevice(device);
    const testSet = new vision.datasets.CIFAR10({ root, train: false }).toDevice(device, { transform: null });
    const augment = T.Compose([new T.RandomCrop(32, { padding: 4 }), new T.RandomHorizontalFlip()]);
    // dropLast keeps every step the captured shape.
    const trainLoader = new data.DeviceLoader(trainSet, { batchSize, shuffle: true, dropLast: true, transform: augment });
    const testLoader = new data.DeviceLoader(testSet, { batchSize: 1000 });
    console.log(`device ${device}: train ${trainSet.length}, test ${testSet.length} images resident as ${trainSet.data.dtype.name} ` +
      `(${((trainSet.data.numel() + testSet.data.numel()) / 2 ** 20).toFixed(1)} MiB)`);

    // Normalisation on the device: uint8 HWC -> float NCHW ((x - 255 mean) / (255 std)), channels_last on CUDA.
    // The constants are made once: building them per batch would copy from the host and wait for the GPU.
    const [mean, std] = torch.tidy(() => [MEAN, STD].map((v) => torch.tensor(v, { device }).mul(255).view([1, 3, 1, 1])));
    const normalise = (img: Tensor): Tensor => {
      const x = img.permute(0, 3, 1, 2).float().sub_(mean).div_(std);
      return onCuda ? x.contiguous({ memoryFormat: torch.channelsLast }) : x;
    };

    // Model, loss, optimizer: Adam with capturable: true keeps its step counter on the device, so the step graphs.
    torch.backends.cudnn.benchmark = onCuda;
    const model = new Cifar10CNN().to(device);
    if (onCuda) model.to({ memoryFormat: torch.channelsLast });
    const criterion = new nn.CrossEntropyLoss();
    const optimizer = new optim.Adam(model.parameters(), { lr: Number(a.lr), capturable: true });
    const sampleX = torch.tidy(() => normalise(torch.zeros([batchSize, 32, 32, 3], { dtype: torch.uint8, device })));
    const sampleY = torch.zeros([batchSize], { dtype: torch.int64, device });
    const step = cuda.makeGraphedTrainStep(model, optimizer, criterion, sampleX, sampleY,
      { autocastDtype: onCuda ? torch.bfloat16 : null, onFallback: (m) => console.log(m) });
    torch.dispose([sampleX, sampleY]);

    const sync = () => { if (onCuda) cuda.synchronize(); };
    const t0 = performance.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train();
      const e0 = performance.now();
      for (const [img, y] of trainLoader) torch.tidy(() => step.step(normalise(img), y));
      const m = step.readMetrics();  // the epoch's only wait for the device
      const s = (performance.now() - e0) / 1000;
      console.log(`Epoch ${epoch}/${epochs} - loss: ${m.loss.toFixed(4)} - acc: ${m.accuracy!.toFixed(4)} - ${s.toFixed(1)}s - ` +
        `${(m.samples / s).toFixed(0)} img/s - graphed: ${step.graphed} - live tensors: ${torch.memory().liveTensors}`);
    }
    sync();
    const trainSeconds = (performance.now() - t0) / 1000;

    // Evaluation: loss and correct predictions summed on the device, read once.
    model.eval();
    const lossSum = torch.zeros([], { device }), correct = torch.zeros([], { device });
    torch.noGrad(() => {
      for (const [img, y] of testLoader) torch.tidy(() => {
        const run = () => model.forward(normalise(img));
        const out = (onCuda ? torch.autocast("cuda", { dtype: torch.bfloat16 }, run) : run()).float();
        lossSum.add_(criterion.forward(out, y).mul(y.shape[0]));
        correct.add_(out.argmax(1).eq(y).sum());
      });
    });
    const [l, c] = [lossSum.item(), correct.item()];
    console.log(`Test loss: ${(l / testSet.length).toFixed(4)} - Test accuracy: ${(100 * c / testSet.length).toFixed(2)}% ` +
      `(training ${trainSeconds.toFixed(1)}s on ${device})`);

    step.dispose();
    optimizer.dispose();
    torch.dispose([lossSum, correct, mean, std]);
    trainSet.dispose(); testSet.dispose();
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try { main(); } catch (e) { console.error(e instanceof Error ? e.message : e); process.exit(1); }
}
