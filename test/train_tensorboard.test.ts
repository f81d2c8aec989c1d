// SummaryWriter: event files parsed back here with an independent TFRecord reader (bitwise CRC32C) and protobuf decoder.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as torch from "../lib";
import { train } from "../lib";

// Bitwise CRC-32C, written apart from the table version under test.
function crc32cBitwise(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

function readRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const lenBytes = buf.subarray(off, off + 8);
    const len = Number(lenBytes.readBigUInt64LE(0));
    expect(buf.readUInt32LE(off + 8), "length CRC").to.equal(mask(crc32cBitwise(lenBytes)));
    const data = buf.subarray(off + 12, off + 12 + len);
    expect(buf.readUInt32LE(off + 12 + len), "data CRC").to.equal(mask(crc32cBitwise(data)));
    out.push(data);
    off += 16 + len;
  }
  expect(off).to.equal(buf.length);
  return out;
}

type Field = { n: number; wire: number; v: bigint | Buffer };
function decode(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let r = 0n, s = 0n;
    for (;;) { const b = buf[i++]; r |= BigInt(b & 0x7f) << s; s += 7n; if (!(b & 0x80)) return r; }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >> 3, wire = key & 7;
    if (wire === 0) out.push({ n, wire, v: varint() });
    else if (wire === 1) { out.push({ n, wire, v: buf.subarray(i, i + 8) }); i += 8; }
    else if (wire === 5) { out.push({ n, wire, v: buf.subarray(i, i + 4) }); i += 4; }
    else if (wire === 2) { const len = Number(varint()); out.push({ n, wire, v: buf.subarray(i, i + len) }); i += len; }
    else throw new Error(`unexpected wire type ${wire}`);
  }
  expect(i).to.equal(buf.length);
  return out;
}
const get = (fs_: Field[], n: number) => fs_.find((f) => f.n === n);
const all = (fs_: Field[], n: number) => fs_.filter((f) => f.n === n);

// Event → { wallTime, step, fileVersion?, values: [{ tag, fields }] }
function parseEvent(b: Buffer) {
  const f = decode(b);
  const wall = get(f, 1)!.v as Buffer;
  const step = get(f, 2) ? Number(get(f, 2)!.v) : 0;
  const fv = get(f, 3) ? (get(f, 3)!.v as Buffer).toString() : undefined;
  const summary = get(f, 5);
  const values = summary ? all(decode(summary.v as Buffer), 1).map((v) => {
    const vf = decode(v.v as Buffer);
    return { tag: (get(vf, 1)!.v as Buffer).toString(), fields: vf };
  }) : [];
  return { wallTime: wall.readDoubleLE(0), step, fileVersion: fv, values };
}

describe("train.SummaryWriter (TensorBoard event files)", () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "tts-tb-")); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("computes CRC-32C and TFRecord's mask like TensorFlow", () => {
    expect(train.crc32c(Buffer.from("123456789"))).to.equal(0xe3069283);
    const data = Buffer.from("some bytes to check");
    expect(train.crc32c(data)).to.equal(crc32cBitwise(data));
    // Every TensorBoard event file starts with this 12-byte header: length 24 and its masked CRC.
    const rec = train.tfrecord(Buffer.alloc(24));
    expect([...rec.subarray(0, 12)]).to.deep.equal([0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22]);
  });

  it("writes scalars, images, histograms and text that parse back", () => {
    const logDir = path.join(dir, "run1");
    const w = new train.SummaryWriter(logDir);
    const t0 = Date.now() / 1000;
    w.addScalar("Loss/train", 0.25, 3);
    w.addScalar("Loss/train", torch.tensor(0.125), 4);
    const img = torch.zeros([3, 4, 5]);
    img.index(0).fill_(1); // red channel full: red image
    w.addImage("sample", img, 7);
    const vals = torch.arange(0, 100, 1, { dtype: torch.float32 });
    w.addHistogram("weights", vals, 2, 10);
    w.addText("notes", "hello *world*", 1);
    w.addScalars("acc", { train: 0.9, val: 0.8 }, 5);
    w.close();
    [img, vals].forEach((t) => t.dispose());

    const files = fs.readdirSync(logDir).filter((f) => f.startsWith("events.out.tfevents."));
    expect(files).to.have.length(1);
    const events = readRecords(path.join(logDir, files[0])).map(parseEvent);
    expect(events[0].fileVersion).to.equal("brain.Event:2");
    expect(events[0].wallTime).to.be.closeTo(t0, 5);
    const [s1, s2, im, hi, tx] = events.slice(1);
    expect(events).to.have.length(6);

    expect(s1.step).to.equal(3);
    expect(s1.values[0].tag).to.equal("Loss/train");
    expect((get(s1.values[0].fields, 2)!.v as Buffer).readFloatLE(0)).to.equal(0.25);
    expect(s2.step).to.equal(4);
    expect((get(s2.values[0].fields, 2)!.v as Buffer).readFloatLE(0)).to.equal(0.125);

    // Image: height, width, colorspace, PNG bytes; decode the PNG's pixels back.
    expect(im.step).to.equal(7);
    const imf = decode(get(im.values[0].fields, 4)!.v as Buffer);
    expect(Number(get(imf, 1)!.v)).to.equal(4);
    expect(Number(get(imf, 2)!.v)).to.equal(5);
    expect(Number(get(imf, 3)!.v)).to.equal(3);
    const png = get(imf, 4)!.v as Buffer;
    expect([...png.subarray(0, 8)]).to.deep.equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).to.equal(5);
    expect(png.readUInt32BE(20)).to.equal(4);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString()).to.equal("IDAT");
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).to.equal(4 * (1 + 5 * 3));
    expect([...raw.subarray(1, 7)]).to.deep.equal([255, 0, 0, 255, 0, 0]);

    // Histogram: min, max, num, sum, sum of squares, bucket limits and counts.
    const hf = decode(get(hi.values[0].fields, 5)!.v as Buffer);
    const d = (n: number) => (get(hf, n)!.v as Buffer).readDoubleLE(0);
    expect([d(1), d(2), d(3), d(4)]).to.deep.equal([0, 99, 100, 4950]);
    expect(d(5)).to.equal(328350);
    const doubles = (b: Buffer) => Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(8 * i));
    const limits = doubles(get(hf, 6)!.v as Buffer), counts = doubles(get(hf, 7)!.v as Buffer);
    expect(limits).to.have.length(10);
    expect(limits[9]).to.be.closeTo(99, 1e-9);
    expect(counts.reduce((a, b) => a + b)).to.equal(100);
    expect(counts[0]).to.equal(10);

    // Text: the text plugin's metadata and a DT_STRING tensor.
    expect(tx.values[0].tag).to.equal("notes/text_summary");
    const meta = decode(get(tx.values[0].fields, 9)!.v as Buffer);
    const plugin = decode(get(meta, 1)!.v as Buffer);
    expect((get(plugin, 1)!.v as Buffer).toString()).to.equal("text");
    const tensor = decode(get(tx.values[0].fields, 8)!.v as Buffer);
    expect(Number(get(tensor, 1)!.v)).to.equal(7);
    expect((get(tensor, 8)!.v as Buffer).toString()).to.equal("hello *world*");

    // addScalars: one run directory per key, tag = the main tag.
    for (const [k, v] of [["train", 0.9], ["val", 0.8]] as const) {
      const sub = path.join(logDir, `acc_${k}`);
      const f = fs.readdirSync(sub).find((x) => x.startsWith("events.out.tfevents."))!;
      const ev = readRecords(path.join(sub, f)).map(parseEvent);
      expect(ev[1].values[0].tag).to.equal("acc");
      expect(ev[1].step).to.equal(5);
      expect((get(ev[1].values[0].fields, 2)!.v as Buffer).readFloatLE(0)).to.be.closeTo(v, 1e-6);
    }
  });

  it("makeGrid tiles NCHW images with padding", () => {
    const imgs = torch.ones([3, 1, 2, 2]);
    const g = train.makeGrid(imgs, { nrow: 2, padding: 1 });
    expect(g.shape).to.deep.equal([1, 7, 7]);
    expect(g.sum().item()).to.equal(12);
    imgs.dispose(); g.dispose();
  });
});
