// History, ProgressBar, plots: plotHistory writes valid SVG and PNG; confusion matrices; image grids.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Writable } from "stream";
import * as torch from "../lib";
import { train } from "../lib";

function pngInfo(buf: Buffer) {
  expect([...buf.subarray(0, 8)]).to.deep.equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(buf.subarray(12, 16).toString()).to.equal("IHDR");
  // Every chunk's CRC must be right.
  let off = 8;
  const types: string[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8);
    expect(buf.readUInt32BE(off + 8 + len)).to.equal(train.crc32(buf.subarray(off + 4, off + 8 + len)));
    types.push(type.toString());
    off += 12 + len;
  }
  expect(types[types.length - 1]).to.equal("IEND");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf[25], types };
}

// Decodes an 8-bit PNG (no interlace) to its pixel rows, undoing the five filter types.
function pngPixels(buf: Buffer) {
  const { width, height, colorType } = pngInfo(buf);
  const ch = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as any)[colorType];
  const idat: Buffer[] = [];
  let off = 8;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    if (buf.subarray(off + 4, off + 8).toString() === "IDAT") idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * ch;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const r = raw[y * (stride + 1) + 1 + x];
      const a = x >= ch ? out[y * stride + x - ch] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= ch && y > 0 ? out[(y - 1) * stride + x - ch] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      out[y * stride + x] = (r + pred) & 0xff;
    }
  }
  return { width, height, ch, out };
}

function sampleHistory(): train.History {
  const h = new train.History();
  const acc = [0.9, 0.95, 0.97], vacc = [0.92, 0.955, 0.96];
  acc.forEach((a, i) => h.add(i, { loss: 1 - a, accuracy: a, val_loss: 1 - vacc[i], val_accuracy: vacc[i] }));
  return h;
}

describe("train.History", () => {
  it("records per-epoch metrics, fills gaps with NaN, finds the best epoch", () => {
    const h = new train.History();
    h.add(0, { loss: 1.0, accuracy: 0.5 });
    h.add(1, { loss: 0.5, accuracy: 0.7, val_loss: 0.6 });
    h.add(2, { loss: 0.7, accuracy: 0.6, val_loss: 0.4 });
    expect(h.length).to.equal(3);
    expect(h.epoch).to.deep.equal([0, 1, 2]);
    expect(h.get("loss")).to.deep.equal([1.0, 0.5, 0.7]);
    expect(h.get("val_loss")[0]).to.be.NaN;
    expect(h.best("loss")).to.deep.equal({ value: 0.5, epoch: 1 });
    expect(h.best("accuracy")).to.deep.equal({ value: 0.7, epoch: 1 });
    expect(h.best("val_loss")).to.deep.equal({ value: 0.4, epoch: 2 });
    expect(h.last()).to.deep.equal({ loss: 0.7, accuracy: 0.6, val_loss: 0.4 });
    expect(h.toCSV().split("\n")[0]).to.equal("epoch,loss,accuracy,val_loss");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tts-hist-"));
    const f = path.join(dir, "h.json");
    h.save(f);
    const back = train.History.load(f);
    expect(back.get("loss")).to.deep.equal(h.get("loss"));
    expect(back.get("val_loss")[0]).to.be.NaN;
    fs.rmSync(dir, { recursive: true });
  });
});

describe("train.ProgressBar", () => {
  class Sink extends Writable {
    text = "";
    isTTY = false;
    _write(chunk: any, _enc: any, cb: () => void) { this.text += chunk.toString(); cb(); }
  }
  it("prints one line per epoch when not on a TTY", () => {
    const s = new Sink();
    const bar = new train.ProgressBar({ total: 100, epoch: 1, epochs: 5, stream: s as any });
    expect(bar.live).to.equal(false);
    for (let i = 0; i < 10; i++) bar.tick(10, { loss: 1 / (i + 1), accuracy: i / 10 });
    expect(s.text).to.equal("");
    bar.stop({ val_loss: 0.25, val_accuracy: 0.875 });
    const lines = s.text.trim().split("\n");
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Epoch 2\/5: 100 img in \d+s/);
    expect(lines[0]).to.contain("loss 0.1000").and.contain("accuracy 90.00%").and.contain("val_accuracy 87.50%");
    bar.stop();
    expect(s.text.trim().split("\n")).to.have.length(1);
  });
  it("draws a live bar with counts, metrics, speed and ETA", () => {
    const s = new Sink();
    const bar = new train.ProgressBar({ total: 50, epoch: 0, epochs: 2, stream: s as any, live: true });
    bar.update(25, { loss: 0.5 });
    bar.stop({ val_loss: 0.4 });
    expect(s.text).to.match(/Epoch 1\/2 \|[█░]+\| 0\/50 img/);
    expect(s.text).to.contain("25/50 img").and.contain("ETA");
    expect(s.text).to.contain("val_loss 0.4000");
  });
  it("formats durations and metrics", () => {
    expect(train.formatDuration(42)).to.equal("42s");
    expect(train.formatDuration(185)).to.equal("3m05s");
    expect(train.formatMetrics({ loss: 0.12345, val_accuracy: 0.9876, lr: 0.001 })).to.equal("loss 0.1235  val_accuracy 98.76%  lr 1.0e-3");
  });
});

describe("train plots", () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "tts-plot-")); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("plotHistory writes a two-panel SVG and a PNG of it", async () => {
    const out = await train.plotHistory(sampleHistory(), path.join(dir, "curves.png"));
    expect(out.png).to.equal(path.join(dir, "curves.png"));
    const svg = fs.readFileSync(out.svg, "utf8");
    expect(svg.startsWith("<svg")).to.equal(true);
    expect(svg.trim().endsWith("</svg>")).to.equal(true);
    for (const s of ["Accuracy", "Loss", "Epoch", "train", "validation"]) expect(svg).to.contain(s);
    // Two line marks per panel: train and validation.
    expect(svg.match(/class="mark-line role-mark/g)).to.have.length(4);
    const { width, height, out: px, ch } = pngPixels(fs.readFileSync(out.png));
    expect(width).to.be.greaterThan(600);
    expect(height).to.be.greaterThan(200);
    // A real chart: mostly white, with the blue (train) and orange (validation) line colours present.
    let white = 0, blue = 0, orange = 0;
    for (let i = 0; i < px.length; i += ch) {
      const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
      if (r > 240 && g > 240 && b > 240) white++;
      if (Math.abs(r - 0x1f) < 30 && Math.abs(g - 0x77) < 30 && Math.abs(b - 0xb4) < 30) blue++;
      if (Math.abs(r - 0xff) < 20 && Math.abs(g - 0x7f) < 30 && Math.abs(b - 0x0e) < 30) orange++;
    }
    const n = width * height;
    expect(white / n).to.be.greaterThan(0.5);
    expect(blue).to.be.greaterThan(200);
    expect(orange).to.be.greaterThan(200);
  });

  it("plotHistory refuses an empty history", async () => {
    let err: any = null;
    try { await train.plotHistory(new train.History(), path.join(dir, "x.png")); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(RangeError);
  });

  it("confusionMatrix counts (true, predicted) pairs, from labels or scores", async () => {
    expect(train.confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 3)).to.deep.equal([[1, 0, 0], [0, 0, 1], [0, 1, 1]]);
    const scores = torch.tensor([[2, 1, 0], [0, 3, 1], [0, 0, 5]]);
    const y = torch.tensor([0, 2, 2], { dtype: torch.int64 });
    const cm = train.confusionMatrix(y, scores);
    expect(cm).to.deep.equal([[1, 0, 0], [0, 0, 0], [0, 1, 1]]);
    expect(() => train.confusionMatrix([0, 5], [0, 1], 3)).to.throw(RangeError);
    const out = await train.plotConfusionMatrix(cm, path.join(dir, "cm.svg"), { classNames: ["a", "b", "c"] });
    expect(fs.readFileSync(out.svg, "utf8")).to.contain("Predicted");
    expect(pngInfo(fs.readFileSync(out.png)).width).to.be.greaterThan(100);
    scores.dispose(); y.dispose();
  });

  it("plotImages draws captioned images", async () => {
    const imgs = torch.zeros([4, 1, 8, 8]);
    imgs.index(1).fill_(1);
    const out = await train.plotImages(imgs, path.join(dir, "imgs.png"), {
      labels: [0, 1, 2, 3], predictions: [0, 1, 3, 3], classNames: ["zero", "one", "two", "three"], ncols: 2,
    });
    const svg = fs.readFileSync(out.svg, "utf8");
    expect(svg.match(/<image /g)).to.have.length(4);
    expect(svg).to.contain("true: two").and.contain("#cf222e"); // the wrong one in red
    const { width, height } = pngInfo(fs.readFileSync(out.png));
    expect(width).to.be.greaterThan(100);
    expect(height).to.be.greaterThan(100);
    imgs.dispose();
  });

  it("encodePNG round-trips pixels", () => {
    const px = new Uint8Array(3 * 2 * 3).map((_, i) => i * 10);
    const dec = pngPixels(train.encodePNG(px, 3, 2, 3));
    expect([...dec.out]).to.deep.equal([...px]);
  });
});
