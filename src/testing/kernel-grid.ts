/**
 * Helpers for the wasm training-kernel tests: run one kernel (or one gradient) on the cpu and
 * the wasm backend in the same process, generate deterministic parameter grids, and collect
 * every failing grid case into one assertion message.
 *
 * @example
 *   await setupBackends();
 *   const report = new GridReport('Conv2DBackpropInput vs cpu');
 *   for (const c of convGrid({ seed: 'x', strides: [1, 2], dilations: [1], kernelSizes: [3],
 *                              inChannels: [2], outChannels: [3] }).cases) {
 *     await report.againstCpu(c.label, async (backend) => [
 *       await runKernelOn(backend, 'Conv2DBackpropInput', { dy, filter }, attrs),
 *     ]);
 *   }
 *   report.assertPassed(10); // lists every failing case, with its parameters and error
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type NamedAttrMap, type NamedTensorMap } from '@tensorflow/tfjs-core';
import { Rng } from '../core/rng.js';
import { initEngine } from '../engine/backend.js';
import { relativeError } from './compare.js';

/** The bound on max|a - b| / max|b|. */
export const TOLERANCE = 1e-4;

export type TestBackend = 'cpu' | 'wasm';
export type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** A tensor's values held outside any backend, so that both backends get the same inputs. */
export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

/** Loads the cpu backend and the tfjs gradients, then the wasm backend with tunebook's kernels. */
export async function setupBackends(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  // tfjs-core alone registers no gradients; tfjs-layers (which tunebook trains with) does.
  await import('@tensorflow/tfjs-layers');
  const info = await initEngine({ backend: 'wasm' });
  assert.equal(info.backend, 'wasm', 'the wasm backend did not initialise');
  assert.ok(await tf.setBackend('cpu'), 'the cpu backend did not initialise');
  await useBackend('wasm');
}

export async function useBackend(name: TestBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`could not switch to the ${name} backend`);
}

export type ValueKind = 'normal' | 'relu' | 'ties' | 'zeros';

/**
 * Deterministic values: `normal` N(0,1); `relu` max(0, N(0,1)) (about half exact zeros);
 * `ties` small integers (-1..2), so most pooling windows hold repeated maxima; `zeros`.
 */
export function randomTensor(rng: Rng, shape: number[], kind: ValueKind = 'normal'): HostTensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 'normal') values[i] = rng.normal();
    else if (kind === 'relu') values[i] = Math.max(0, rng.normal());
    else if (kind === 'ties') values[i] = rng.int(4) - 1;
  }
  return { shape: [...shape], values };
}

interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** The wasm backend's Emscripten module (its heap is replaced, never resized, on growth). */
function wasmModule(): WasmModule | undefined {
  return (tf.findBackend('wasm') as unknown as { wasm?: WasmModule } | null)?.wasm;
}

function heapBytes(): number {
  return wasmModule()?.HEAPU8.byteLength ?? 0;
}

/**
 * Fills the wasm heap so that the next allocation of more than ~64 KiB must grow it, and
 * returns the function that frees the filler. Free chunks are taken with ever smaller
 * blocks; the last block, at least 40% of the heap, makes Emscripten grow the heap to
 * exactly the size requested (its 20% overgrowth is smaller), leaving under one 64 KiB page.
 */
function fillWasmHeap(): () => void {
  const module = wasmModule();
  if (!module) throw new Error('the wasm backend is not initialised');
  const blocks: number[] = [];
  const take = (bytes: number) => {
    const pointer = module._malloc(bytes);
    if (!pointer) throw new Error(`wasm malloc(${bytes}) failed`);
    blocks.push(pointer);
  };
  for (const size of [1 << 20, 1 << 16, 1 << 12]) {
    for (;;) {
      const before = heapBytes();
      take(size);
      if (heapBytes() > before) break;
    }
  }
  take(Math.ceil(heapBytes() * 0.4));
  return () => {
    for (const pointer of blocks) module._free(pointer);
  };
}

function numDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/**
 * Runs `kernelName` on `backendName` with fresh input tensors made there, reads the first
 * output and disposes everything. Throws when the backend holds more data buffers afterwards
 * than before (a kernel that leaks its temporaries). With `growHeap` (wasm only), the heap is
 * filled just before the kernel runs, so that its first sizeable allocation grows the heap,
 * which detaches every view of the heap taken before; throws if the heap did not grow.
 */
export async function runKernelOn(
  backendName: TestBackend,
  kernelName: string,
  inputs: Record<string, HostTensor | undefined>,
  attrs: Record<string, unknown>,
  options: { growHeap?: boolean } = {},
): Promise<HostTensor> {
  await useBackend(backendName);
  const before = numDataIds();
  const tensors: Record<string, tf.Tensor> = {};
  let outputs: tf.Tensor[] = [];
  let result: HostTensor;
  let release: (() => void) | undefined;
  let grew = false;
  try {
    for (const [name, host] of Object.entries(inputs)) {
      if (host) tensors[name] = tf.tensor(host.values, host.shape, 'float32');
    }
    const growHeap = options.growHeap && backendName === 'wasm';
    if (growHeap) release = fillWasmHeap();
    const heapBefore = heapBytes();
    const out = tf
      .engine()
      .runKernel(kernelName, tensors as NamedTensorMap, attrs as unknown as NamedAttrMap);
    grew = heapBytes() > heapBefore;
    outputs = Array.isArray(out) ? out : [out as tf.Tensor];
    result = { shape: outputs[0].shape.slice(), values: Float32Array.from(outputs[0].dataSync()) };
    if (growHeap && !grew) {
      throw new Error(`test setup: the wasm heap did not grow while ${kernelName} ran`);
    }
  } finally {
    release?.();
    for (const t of [...Object.values(tensors), ...outputs]) t.dispose();
  }
  const leaked = numDataIds() - before;
  if (leaked !== 0) {
    throw new Error(`${kernelName} on ${backendName} left ${leaked} data buffer(s) allocated`);
  }
  return result;
}

/**
 * Evaluates `f(...inputs)` and the gradients of `sum(f(...) * dy)` with respect to every
 * input on `backendName`: [output, d/dinput0, d/dinput1, ...]. Checks for leaks as
 * `runKernelOn` does.
 */
export async function gradsOn(
  backendName: TestBackend,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
  dy: HostTensor,
): Promise<HostTensor[]> {
  await useBackend(backendName);
  const before = numDataIds();
  const results = tf.tidy(() => {
    const xs = inputs.map((h) => tf.tensor(h.values, h.shape, 'float32'));
    const dyT = tf.tensor(dy.values, dy.shape, 'float32');
    const y = f(...xs);
    const grads = tf.grads((...args: tf.Tensor[]) => f(...args))(xs, dyT);
    return [y, ...grads];
  });
  const host = results.map((t) => ({
    shape: t.shape.slice(),
    values: Float32Array.from(t.dataSync()),
  }));
  for (const t of results) t.dispose();
  const leaked = numDataIds() - before;
  if (leaked !== 0) throw new Error(`gradient on ${backendName} left ${leaked} data buffer(s)`);
  return host;
}

/**
 * The first case whose wasm run trapped (out-of-bounds access, abort): the instance's heap
 * may be corrupt from then on, so later wasm cases in this process are reported as not run
 * instead of as failures of their own.
 */
let wasmTrap: string | null = null;

function isWasmTrap(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'RuntimeError' ||
      /Aborted\(|memory access out of bounds|unreachable/.test(error.message))
  );
}

/** Collects the outcome of every case of a grid; `assertPassed` lists all failures at once. */
export class GridReport {
  cases = 0;
  notRun = 0;
  checks = 0;
  readonly skipped: string[] = [];
  readonly failures: string[] = [];
  worst = 0;
  worstLabel = '';

  constructor(
    readonly title: string,
    readonly tolerance = TOLERANCE,
  ) {}

  /** Runs one case; a throw (from a kernel on a valid case, or a leak) is a failure. */
  async attempt(label: string, run: () => Promise<void>): Promise<void> {
    if (wasmTrap) {
      this.notRun++;
      return;
    }
    this.cases++;
    try {
      await run();
    } catch (error) {
      this.wasmFailed(label, error);
    }
  }

  private wasmFailed(label: string, error: unknown): void {
    if (isWasmTrap(error)) wasmTrap ??= label;
    this.failures.push(`${label}: threw ${message(error)}`);
  }

  /**
   * Runs one case on cpu, then on wasm, and compares every output. A case the cpu backend
   * rejects is one tfjs does not support: skipped. A throw on wasm is a failure.
   */
  async againstCpu(
    label: string,
    run: (backend: TestBackend) => Promise<HostTensor[]>,
    names: readonly string[] = [],
  ): Promise<void> {
    let cpu: HostTensor[];
    try {
      cpu = await run('cpu');
    } catch (error) {
      this.skip(label, `the cpu backend rejects it (${message(error)})`);
      return;
    }
    if (wasmTrap) {
      this.notRun++;
      return;
    }
    this.cases++;
    let wasm: HostTensor[];
    try {
      wasm = await run('wasm');
    } catch (error) {
      this.wasmFailed(label, error);
      return;
    }
    cpu.forEach((expected, i) => {
      const name = names[i] ? `${names[i]} ${label}` : label;
      if (wasm[i]) this.compare(name, wasm[i], expected);
      else this.failures.push(`${name}: no output on wasm`);
    });
  }

  skip(label: string, reason: string): void {
    this.skipped.push(`${label}: ${reason}`);
  }

  /** Compares `actual` with the reference `expected` (shape, then relative error). */
  compare(
    label: string,
    actual: HostTensor,
    expected: { shape: number[]; values: ArrayLike<number> },
  ) {
    this.checks++;
    if (actual.shape.join(',') !== expected.shape.join(',')) {
      this.failures.push(`${label}: shape [${actual.shape}] vs expected [${expected.shape}]`);
      return;
    }
    const error = relativeError(actual.values, expected.values);
    if (error > this.worst || Number.isNaN(error)) {
      this.worst = error;
      this.worstLabel = label;
    }
    if (!(error <= this.tolerance)) {
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < expected.values.length; i++) {
        diff = Math.max(diff, Math.abs(actual.values[i] - expected.values[i]));
        scale = Math.max(scale, Math.abs(expected.values[i]));
      }
      this.failures.push(
        `${label}: relative error ${error.toExponential(3)} > ${this.tolerance} ` +
          `(max|diff| ${diff.toExponential(3)}, max|expected| ${scale.toExponential(3)})`,
      );
    }
  }

  summary(): string {
    return (
      `${this.title}: ${this.cases} cases, ${this.checks} comparisons, ${this.skipped.length} ` +
      `skipped, ${this.failures.length} failed, ${this.notRun} not run, ` +
      `worst relative error ${this.worst.toExponential(2)}` +
      (this.worstLabel ? ` (${this.worstLabel})` : '')
    );
  }

  /** Fails with every failing case listed; also fails when fewer than `minCases` ran. */
  assertPassed(minCases: number): void {
    const shown = this.failures.slice(0, 40);
    const more = this.failures.length - shown.length;
    assert.equal(
      this.failures.length + this.notRun,
      0,
      `${this.title}: ${this.failures.length} of ${this.cases} cases failed ` +
        `(tolerance ${this.tolerance}):\n  ${shown.join('\n  ')}` +
        (more > 0 ? `\n  ... and ${more} more` : '') +
        (this.notRun > 0
          ? `\n  ${this.notRun} further case(s) not run: the wasm instance trapped in ` +
            `"${wasmTrap}", so its heap may be corrupt`
          : ''),
    );
    assert.ok(
      this.cases >= minCases,
      `${this.title}: only ${this.cases} cases ran (expected at least ${minCases}); ` +
        `${this.skipped.length} skipped, e.g. ${this.skipped.slice(0, 5).join('; ')}`,
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function padLabel(pad: Pad): string {
  return typeof pad === 'string' ? pad : JSON.stringify(pad);
}

// ---------------------------------------------------------------------------------------------
// Convolution grids

export type PadKind = 'same' | 'valid' | 'explicit' | 'explicit-asym' | 'number';
export const PAD_KINDS: readonly PadKind[] = [
  'same',
  'valid',
  'explicit',
  'explicit-asym',
  'number',
];

export interface ConvCase {
  label: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dimRoundingMode: RoundingMode;
  info: backend_util.Conv2DInfo;
}

export interface ConvGridOptions {
  seed: string;
  strides: readonly number[];
  dilations: readonly number[];
  kernelSizes: readonly number[];
  padKinds?: readonly PadKind[];
  /** Depthwise: the filter's last dimension is a channel multiplier. */
  depthwise?: boolean;
  /** Channel multipliers (depthwise) or output channel counts to draw from. */
  outChannels: readonly number[];
  inChannels: readonly number[];
  /** Draws of sizes (and explicit pads) per parameter combination and variant; default 1. */
  repeats?: number;
}

const ROUNDING: readonly RoundingMode[] = [undefined, 'floor', 'round', 'ceil'];

/**
 * The cross product strides x dilations x kernel sizes x pad kinds x out channels, each in
 * two variants, `repeats` times with fresh sizes: square (same kernel size, stride and
 * dilation in both directions, odd height and even width) and rectangular (width's kernel
 * size, stride or dilation shifted to the next value, even height and odd width). Batch
 * (1-2), input channels, spatial sizes and pads are drawn from a seeded generator; sizes are
 * kept big enough for a non-empty output. Strides and dilations both > 1 are left out:
 * tfjs's conv2d and depthwiseConv2d reject them.
 */
export function convGrid(options: ConvGridOptions): { cases: ConvCase[]; skipped: string[] } {
  const rng = new Rng(options.seed);
  const cases: ConvCase[] = [];
  const skipped: string[] = [];
  let counter = 0;
  for (const s of options.strides) {
    for (const d of options.dilations) {
      if (s > 1 && d > 1) continue;
      for (const k of options.kernelSizes) {
        for (const padKind of options.padKinds ?? PAD_KINDS) {
          for (const co of options.outChannels) {
            for (let v = 0; v < 2 * (options.repeats ?? 1); v++) {
              const variant = v % 2;
              const kh = k;
              const kw = variant === 0 ? k : (k % 5) + 1;
              const sh = s;
              const sw = variant === 0 || d > 1 ? s : (s % 3) + 1;
              const dh = d;
              const dw = variant === 0 || d === 1 ? d : (d % 3) + 1;
              const ekh = (kh - 1) * dh + 1;
              const ekw = (kw - 1) * dw + 1;
              let pad: Pad;
              let dimRoundingMode: RoundingMode;
              let padH = 0;
              let padW = 0;
              if (padKind === 'same' || padKind === 'valid') {
                pad = padKind;
              } else if (padKind === 'explicit') {
                const p = 1 + rng.int(2);
                pad = [
                  [0, 0],
                  [p, p],
                  [p, p],
                  [0, 0],
                ];
                padH = padW = 2 * p;
              } else if (padKind === 'explicit-asym') {
                let t: number;
                let b: number;
                let l: number;
                let r: number;
                do {
                  t = rng.int(4);
                  b = rng.int(4);
                  l = rng.int(4);
                  r = rng.int(4);
                } while (t === b && l === r);
                pad = [
                  [0, 0],
                  [t, b],
                  [l, r],
                  [0, 0],
                ];
                padH = t + b;
                padW = l + r;
              } else {
                const p = rng.int(3);
                pad = p;
                dimRoundingMode = ROUNDING[counter % ROUNDING.length];
                padH = padW = 2 * p;
              }
              const minH = pad === 'same' ? 1 : Math.max(1, ekh - padH);
              const minW = pad === 'same' ? 1 : Math.max(1, ekw - padW);
              const h = withParity(minH + rng.int(7), variant === 0 ? 1 : 0);
              const w = withParity(minW + rng.int(7), variant === 0 ? 0 : 1);
              const n = 1 + rng.int(2);
              const ci = options.inChannels[rng.int(options.inChannels.length)];
              const xShape: [number, number, number, number] = [n, h, w, ci];
              const filterShape: [number, number, number, number] = [kh, kw, ci, co];
              const strides: [number, number] = [sh, sw];
              const dilations: [number, number] = [dh, dw];
              counter++;
              let made: ConvCase;
              try {
                made = makeConvCase(
                  xShape,
                  filterShape,
                  strides,
                  dilations,
                  pad,
                  dimRoundingMode,
                  options.depthwise,
                );
              } catch (error) {
                skipped.push(message(error));
                continue;
              }
              cases.push(made);
            }
          }
        }
      }
    }
  }
  return { cases, skipped };
}

/** One convolution case; throws (naming it) when tfjs rejects it or its output is empty. */
export function makeConvCase(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: Pad,
  dimRoundingMode?: RoundingMode,
  depthwise = false,
): ConvCase {
  const label =
    `x=[${xShape}] filter=[${filterShape}]${depthwise ? ' (depthwise)' : ''} ` +
    `strides=[${strides}] dilations=[${dilations}] pad=${padLabel(pad)}` +
    (dimRoundingMode ? ` dimRoundingMode=${dimRoundingMode}` : '');
  let info: backend_util.Conv2DInfo;
  try {
    info = backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      depthwise,
    );
  } catch (error) {
    throw new Error(`${label}: tfjs rejects it (${message(error)})`);
  }
  if (info.outHeight <= 0 || info.outWidth <= 0) {
    throw new Error(`${label}: empty output [${info.outShape}]`);
  }
  return { label, xShape, filterShape, strides, dilations, pad, dimRoundingMode, info };
}

function withParity(value: number, parity: 0 | 1): number {
  return value % 2 === parity ? value : value + 1;
}

/**
 * Float64 reference for both Conv2D gradients, straight from the definition
 * y[n,oh,ow,co] = sum x[n, oh*sh - top + kh*dh, ow*sw - left + kw*dw, ci] * w[kh,kw,ci,co]
 * (out-of-image taps read zero), for any stride, dilation and padding.
 */
export function referenceConv2dBackprop(
  x: HostTensor,
  filter: HostTensor,
  dy: HostTensor,
  info: backend_util.Conv2DInfo,
): { dx: Float64Array; dw: Float64Array } {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const dx = new Float64Array(x.values.length);
  const dw = new Float64Array(filter.values.length);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const g = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const h = oh * strideHeight - top + kh * dilationHeight;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * strideWidth - left + kw * dilationWidth;
            if (w < 0 || w >= inWidth) continue;
            const xi = ((n * inHeight + h) * inWidth + w) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const f = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
              const xv = x.values[xi + ci];
              let acc = 0;
              for (let co = 0; co < outChannels; co++) {
                const gv = dy.values[g + co];
                acc += gv * filter.values[f + co];
                dw[f + co] += xv * gv;
              }
              dx[xi + ci] += acc;
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

/**
 * Float64 reference for both depthwise gradients (channel multiplier m = filter's last
 * dimension): y[n,oh,ow,c*m+q] = sum x[n, oh*sh - top + kh*dh, ow*sw - left + kw*dw, c]
 * * w[kh,kw,c,q]. The cpu backend's depthwise backprops ignore dilations, so dilated cases
 * are judged against this.
 */
export function referenceDepthwiseBackprop(
  x: HostTensor,
  filter: HostTensor,
  dy: HostTensor,
  info: backend_util.Conv2DInfo,
): { dx: Float64Array; dw: Float64Array } {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const mult = outChannels / inChannels;
  const dx = new Float64Array(x.values.length);
  const dw = new Float64Array(filter.values.length);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const g = ((n * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const h = oh * strideHeight - top + kh * dilationHeight;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * strideWidth - left + kw * dilationWidth;
            if (w < 0 || w >= inWidth) continue;
            const xi = ((n * inHeight + h) * inWidth + w) * inChannels;
            const f = (kh * filterWidth + kw) * outChannels;
            for (let c = 0; c < inChannels; c++) {
              for (let q = 0; q < mult; q++) {
                const gv = dy.values[g + c * mult + q];
                dx[xi + c] += gv * filter.values[f + c * mult + q];
                dw[f + c * mult + q] += x.values[xi + c] * gv;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}
