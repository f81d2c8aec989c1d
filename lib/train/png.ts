// A tiny PNG encoder (zlib from Node) and Tensor → 8-bit pixel conversion, for TensorBoard images and plots.
import * as zlib from "zlib";
import { Tensor } from "../tensor";
import { tidy } from "../memory";
import { callOp } from "../ops";
import * as dt from "../dtype";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as PNG and zip use). */
export function crc32(buf: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit pixels (row-major, interleaved; 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA channels) as PNG. */
export function encodePNG(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3): Buffer {
  if (pixels.length !== width * height * channels)
    throw new RangeError(`encodePNG: ${pixels.length} bytes given for ${width}x${height}x${channels}`);
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = colorType; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

export type DataFormats = "CHW" | "HWC" | "HW";

/**
 * An image tensor (CHW by default, HWC or HW) as 8-bit HWC pixels. Floating tensors are taken to be in [0, 1]
 * (scaled by 255 and clamped); integer tensors in [0, 255]. 1, 3 or 4 channels.
 */
export function toPixels(img: Tensor, dataformats: DataFormats = "CHW"):
  { pixels: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 } {
  return tidy(() => {
    let t = img.detach().cpu();
    if (dataformats === "HW") {
      if (t.dim() !== 2) throw new RangeError(`expected an HW image, got shape [${t.shape}]`);
      t = t.unsqueeze(2);
    } else if (dataformats === "CHW") {
      if (t.dim() === 2) t = t.unsqueeze(0);
      if (t.dim() !== 3) throw new RangeError(`expected a CHW image, got shape [${t.shape}]`);
      t = t.permute([1, 2, 0]);
    } else if (t.dim() !== 3) throw new RangeError(`expected an HWC image, got shape [${t.shape}]`);
    const [height, width, c] = t.shape;
    if (c !== 1 && c !== 3 && c !== 4) throw new RangeError(`an image needs 1, 3 or 4 channels, got ${c}`);
    if (t.isFloatingPoint()) t = callOp("aten::round", t.float().mul(255)).clamp(0, 255);
    else t = t.clamp(0, 255);
    const pixels = new Uint8Array(t.to(dt.uint8).contiguous().data() as Uint8Array);
    return { pixels, width, height, channels: c as 1 | 3 | 4 };
  });
}

/** A tensor image encoded as PNG (see toPixels for the value range). */
export function tensorToPNG(img: Tensor, dataformats: DataFormats = "CHW"): { png: Buffer; width: number; height: number } {
  const p = toPixels(img, dataformats);
  return { png: encodePNG(p.pixels, p.width, p.height, p.channels), width: p.width, height: p.height };
}

/** Enlarges pixels by an integer factor (nearest neighbour), so small images stay sharp when drawn big. */
export function upscale(pixels: Uint8Array, width: number, height: number, channels: number, k: number):
  { pixels: Uint8Array; width: number; height: number } {
  if (k <= 1) return { pixels, width, height };
  const W = width * k, H = height * k;
  const out = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < W; x++) {
      const s = (sy * width + Math.floor(x / k)) * channels, d = (y * W + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = pixels[s + c];
    }
  }
  return { pixels: out, width: W, height: H };
}
