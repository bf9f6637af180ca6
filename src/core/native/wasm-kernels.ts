/**
 * The SIMD wasm kernels built from image-kernels.c and jpeg.c: a baseline JPEG decoder (the
 * image reader's, bit-exact with libjpeg-turbo and so with PIL), and the passes of an 8-bit
 * resize and the nearest-neighbour remap (flips + rotation, optionally through a
 * toTensor/normalize table) that the transforms run. Same integer arithmetic as the TypeScript
 * kernels, so the same bytes, several times faster. One module, kept in data/ for the decoder:
 * a JPEG decoded in its memory is resized there in place (transforms/encoded.ts).
 * The module has its own memory; each call copies in what it reads and copies out what it
 * writes. Where WebAssembly SIMD cannot run, `wasmKernels()` returns null and the TypeScript
 * kernels run instead.
 *
 * @example
 *   const k = wasmKernels();
 *   const out = k ? k.resize(image, tx, ty, window) : resizeInTypeScript(image);
 */
import type { Image } from '../image.js';
import { IMAGE_KERNELS_WASM_BASE64 } from './image-kernels-wasm.js';

/** One axis of a resampling (see `axisTable` in ./resample-tables.ts). */
export interface AxisWeights {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  fixed: Int32Array;
}

/**
 * PIL's fixed-point affine map (see `fixedNearestMatrix` in
 * ../../transforms/functional/rotate.ts).
 */
export interface FixedAffine {
  a: readonly number[];
  width: number;
  height: number;
}

// Local shapes of the WebAssembly JS API: @types/node 20 does not declare it.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

type Fn = (...args: number[]) => void;

interface Exports {
  memory: WasmMemory;
  __heap_base: { value: number };
  resample_h3: Fn;
  resample_h1: Fn;
  resample_v: Fn;
  remap_lut: Fn;
  remap_u8: Fn;
  jpeg_header(data: number, size: number, info: number, state: number): number;
  jpeg_decode(state: number, out: number, channels: number, work: number, workSize: number): number;
  jpeg_state_bytes(): number;
}

/** Flips applied to the source before a remap. */
export interface Mirror {
  x: boolean;
  y: boolean;
}

export interface Window {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** An image decoded in wasm memory (see `decodeJpegResident`). */
export interface ResidentImage {
  at: number;
  end: number;
  width: number;
  height: number;
  channels: number;
  generation: number;
}

/** Sizes of a remap's output, table and fill blocks. */
function remapBlocks(affine: FixedAffine, c: number, lut: Float32Array | null): number[] {
  const n = affine.width * affine.height * c;
  return [n * (lut ? 4 : 1), lut ? lut.length * 4 : 0, c * 4];
}

const SLACK = 16;

function align(n: number): number {
  return (n + 15) & ~15;
}

export class WasmKernels {
  private readonly x: Exports;
  private readonly base: number;
  /** Bumped whenever blocks are laid out from the start, which ends every resident image. */
  private generation = 0;

  constructor(exports: Exports) {
    this.x = exports;
    this.base = align(exports.__heap_base.value);
  }

  /** Lays out blocks of the given byte sizes (each with slack) and returns their addresses. */
  private layout(sizes: number[], from = this.base): number[] {
    if (from === this.base) this.generation++;
    let at = from;
    const out = sizes.map((n) => {
      const p = at;
      at += align(n + SLACK);
      return p;
    });
    const have = this.x.memory.buffer.byteLength;
    if (at > have) this.x.memory.grow(Math.ceil((at - have) / 65536));
    return out;
  }

  /**
   * Resizes `image` (1 or 3 channels) with horizontal table `tx` and vertical table `ty`
   * (null: that axis keeps its size), computing only `window` of the output.
   */
  resize(
    image: Image<Uint8Array>,
    tx: AxisWeights | null,
    ty: AxisWeights | null,
    window: Window,
  ): Image<Uint8Array> {
    const r = this.resizeInMemory({ image }, tx, ty, window, []);
    const data = new Uint8Array(this.x.memory.buffer.slice(r.at, r.at + r.bytes));
    return { data, height: window.height, width: window.width, channels: image.channels };
  }

  /**
   * Nearest remap of an 8-bit image by a fixed-point affine map, reading the source mirrored
   * as asked; with `lut` (256 floats per channel) it writes float32 through the table.
   */
  remap(
    image: Image<Uint8Array>,
    affine: FixedAffine,
    mirror: Mirror,
    fill: readonly number[],
    lut: Float32Array | null,
  ): Image {
    const c = image.channels;
    const [src, ...blocks] = this.layout([image.data.length, ...remapBlocks(affine, c, lut)]);
    new Uint8Array(this.x.memory.buffer).set(image.data, src);
    return this.remapInMemory(src, image.width, image.height, c, blocks, affine, mirror, fill, lut);
  }

  /**
   * `remap(resize(source, ...), ...)` without taking the resized image out of wasm memory; the
   * source may be an image or a resident one (a JPEG decoded in place), which is not copied.
   */
  resizeRemap(
    source: Image<Uint8Array> | ResidentImage,
    tx: AxisWeights | null,
    ty: AxisWeights | null,
    window: Window,
    affine: FixedAffine,
    mirror: Mirror,
    fill: readonly number[],
    lut: Float32Array | null,
  ): Image {
    const c = source.channels;
    const from = 'data' in source ? { image: source } : { resident: source };
    const r = this.resizeInMemory(from, tx, ty, window, remapBlocks(affine, c, lut));
    return this.remapInMemory(
      r.at,
      window.width,
      window.height,
      c,
      r.extra,
      affine,
      mirror,
      fill,
      lut,
    );
  }

  /** Runs the resize passes; the result stays in memory at `at`, and `extra` blocks follow. */
  private resizeInMemory(
    source: { image: Image<Uint8Array> } | { resident: ResidentImage },
    tx: AxisWeights | null,
    ty: AxisWeights | null,
    window: Window,
    extraSizes: number[],
  ): { at: number; bytes: number; extra: number[] } {
    const resident = 'resident' in source ? this.check(source.resident) : null;
    const image = 'image' in source ? source.image : null;
    const dims = resident ?? image!;
    const c = dims.channels;
    const { top, left, height, width } = window;
    let rowLo = top;
    let rowHi = top + height;
    if (ty && height > 0) {
      rowLo = ty.first[top];
      rowHi = ty.first[top + height - 1] + ty.count[top + height - 1];
    }
    const rows = rowHi - rowLo;
    const srcStride = dims.width * c;
    const midStride = width * c;
    const dstBytes = height * midStride;
    const blocks = this.layout(
      [
        tx && image ? rows * srcStride : 0,
        rows * midStride,
        dstBytes,
        tx ? width * (2 + tx.taps) * 4 : 0,
        ty ? height * (2 + ty.taps) * 4 : 0,
        ...extraSizes,
      ],
      resident ? resident.end : this.base,
    );
    const [copied, mid, dst, tabX, tabY, ...extra] = blocks;
    // A resident image is read where it lies; an image's rows are copied in first.
    const src = resident ? resident.at + rowLo * srcStride : copied;
    const heap = this.x.memory.buffer;
    const u8 = new Uint8Array(heap);
    const i32 = new Int32Array(heap);
    if (tx) {
      if (image) u8.set(image.data.subarray(rowLo * srcStride, rowHi * srcStride), src);
      const at = tabX >> 2;
      i32.set(tx.first.subarray(left, left + width), at);
      i32.set(tx.count.subarray(left, left + width), at + width);
      i32.set(tx.fixed.subarray(left * tx.taps, (left + width) * tx.taps), at + 2 * width);
      const pass = c === 3 ? this.x.resample_h3 : this.x.resample_h1;
      pass(
        src,
        srcStride,
        mid,
        midStride,
        rows,
        width,
        tabX,
        tabX + 4 * width,
        tabX + 8 * width,
        tx.taps,
      );
    } else {
      for (let y = 0; y < rows; y++) {
        const from = (rowLo + y) * srcStride + left * c;
        if (image) u8.set(image.data.subarray(from, from + midStride), mid + y * midStride);
        else
          u8.copyWithin(mid + y * midStride, resident!.at + from, resident!.at + from + midStride);
      }
    }
    if (!ty) return { at: mid, bytes: dstBytes, extra };
    const at = tabY >> 2;
    for (let y = 0; y < height; y++) {
      i32[at + y] = ty.first[top + y] - rowLo;
      i32[at + height + y] = ty.count[top + y];
    }
    i32.set(ty.fixed.subarray(top * ty.taps, (top + height) * ty.taps), at + 2 * height);
    this.x.resample_v(
      mid,
      midStride,
      dst,
      height,
      tabY,
      tabY + 4 * height,
      tabY + 8 * height,
      ty.taps,
    );
    return { at: dst, bytes: dstBytes, extra };
  }

  /** Remaps the image at `src` into `blocks` (laid out by remapBlocks) and copies it out. */
  private remapInMemory(
    src: number,
    width: number,
    height: number,
    c: number,
    blocks: number[],
    affine: FixedAffine,
    mirror: Mirror,
    fill: readonly number[],
    lut: Float32Array | null,
  ): Image {
    const [dst, tab, fillAt] = blocks;
    const heap = this.x.memory.buffer;
    const n = affine.width * affine.height * c;
    // remap_lut and remap_u8 share their arguments up to the mirror flags.
    const common = [
      src,
      width,
      height,
      c,
      dst,
      affine.width,
      affine.height,
      ...affine.a.slice(0, 6),
    ];
    const mirrors = [mirror.x ? 1 : 0, mirror.y ? 1 : 0];
    let data: Uint8Array | Float32Array;
    if (lut) {
      new Float32Array(heap).set(lut, tab >> 2);
      new Float32Array(heap).set(fill, fillAt >> 2);
      this.x.remap_lut(...common, ...mirrors, tab, fillAt);
      data = new Float32Array(heap.slice(dst, dst + n * 4));
    } else {
      new Uint8Array(heap).set(fill, fillAt);
      this.x.remap_u8(...common, ...mirrors, fillAt);
      data = new Uint8Array(heap.slice(dst, dst + n));
    }
    return { data, height: affine.height, width: affine.width, channels: c };
  }

  /**
   * Decodes a baseline JPEG exactly as libjpeg-turbo does (see jpeg.c), or returns null for
   * anything it does not take (progressive, CMYK, corrupt ...), for the caller to decode
   * another way. `channels` 3 gives RGB (grey files too); 1 only for grey files; undefined
   * keeps the file's own (1 or 3).
   */
  decodeJpeg(bytes: Uint8Array, channels?: 1 | 3): Image<Uint8Array> | null {
    const resident = this.decodeJpegResident(bytes, channels);
    return resident ? this.materialize(resident) : null;
  }

  /**
   * `decodeJpeg`, leaving the pixels in wasm memory: valid until the next kernel call, which
   * may read them in place (`resizeRemap`) instead of copying them out and back in.
   */
  decodeJpegResident(bytes: Uint8Array, channels?: 1 | 3): ResidentImage | null {
    const state = this.x.jpeg_state_bytes();
    const [data, info, parsed] = this.layout([bytes.length, 16, state]);
    new Uint8Array(this.x.memory.buffer).set(bytes, data);
    if (this.x.jpeg_header(data, bytes.length, info, parsed) !== 0) return null;
    const [width, height, components, workBytes] = new Int32Array(this.x.memory.buffer, info, 4);
    const c = channels ?? (components === 1 ? 1 : 3);
    const n = width * height * c;
    // Laid out after the parsed state, so the file and the state stay where they are.
    const [work, out] = this.layout([workBytes, n], parsed + align(state + SLACK));
    if (this.x.jpeg_decode(parsed, out, c, work, workBytes) !== 0) return null;
    return {
      at: out,
      end: out + align(n + SLACK),
      width,
      height,
      channels: c,
      generation: this.generation,
    };
  }

  /** A resident image copied out as an `Image`. */
  materialize(r: ResidentImage): Image<Uint8Array> {
    this.check(r);
    const n = r.width * r.height * r.channels;
    const data = new Uint8Array(this.x.memory.buffer.slice(r.at, r.at + n));
    return { data, height: r.height, width: r.width, channels: r.channels };
  }

  /** Whether a resident image is still in place (no kernel has run since it was decoded). */
  isCurrent(r: ResidentImage): boolean {
    return r.generation === this.generation;
  }

  private check(r: ResidentImage): ResidentImage {
    if (r.generation !== this.generation)
      throw new Error('wasm kernels: a resident image was overwritten');
    return r;
  }
}

let instance: WasmKernels | null | undefined;
let enabled = true;

/** Turns the wasm kernels off or on (tests compare them with the TypeScript ones). */
export function setWasmKernels(on: boolean): void {
  enabled = on;
}

/** The shared kernels, or null where WebAssembly SIMD cannot run (or they are turned off). */
export function wasmKernels(): WasmKernels | null {
  if (!enabled) return null;
  if (instance !== undefined) return instance;
  try {
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new api.Module(Buffer.from(IMAGE_KERNELS_WASM_BASE64, 'base64'));
    instance = new WasmKernels(new api.Instance(module, {}).exports as Exports);
  } catch {
    instance = null;
  }
  return instance;
}
