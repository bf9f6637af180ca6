/**
 * The roofline of one training step, for `npm run bench:engine`, from the kernels the step
 * ran (tf.profile of one step: names and shapes). Every kernel is bounded below by its
 * arithmetic at the wasm peak and by its data at the memory roof (bench/wasm-peak):
 *
 *   bound = sum over kernels of max(flops / peak, bytes / bandwidth)
 *
 * flops: 2 x multiply-adds of the convolutions (forward, input and filter gradients) and
 * matrix products, from their shapes; 0 for the rest. bytes: every input read once and every
 * output written once (4 bytes a value), the least any implementation moves. A step at the
 * bound would run every convolution at the peak loop's rate and every element-wise kernel
 * at the stream loop's.
 *
 * A second bound counts the arithmetic the kernels do instead of the convolution's
 * (kernelFlopsDone): the 3 x 3 stride-1 layers native/kernels.c runs by Winograd multiply
 * 16 transformed values per 2 x 2 tile and channel pair where the direct sum does 36. The
 * first bound is the (the work of the step's convolutions, whatever the algorithm);
 * the second says how far the step is from this platform's limit for what it computes.
 */

/** A kernel of the step as tf.profile reports it. */
export interface KernelRecord {
  name: string;
  inputShapes: (number[] | null)[];
  outputShapes: (number[] | null)[];
  /** Multiply-adds x 2 it does when fewer than kernelFlops (Winograd); else absent. */
  flopsDone?: number;
}

/**
 * Whether the wasm kernels run a convolution of this geometry ([n, h, w, c, kh, kw, oh, ow,
 * sh, sw, dh, dw, pt, pl], native/kernels.c conv_geom) with co output channels by Winograd.
 */
export type WinogradRule = (geometry: number[], co: number) => boolean;

const size = (shape: number[] | null | undefined) => (shape ? shape.reduce((a, b) => a * b, 1) : 0);

/** Multiply-adds x 2 of a convolution or matrix product; 0 for any other kernel. */
export function kernelFlops(k: KernelRecord): number {
  const [a, b] = k.inputShapes;
  const out = k.outputShapes[0];
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D':
    case 'TunebookConv2D':
      // Each output value: kh * kw * ci multiply-adds (filter b = [kh, kw, ci, co]).
      return b ? 2 * size(out) * (size(b) / b[3]) : 0;
    case 'Conv2DBackpropInput':
      // Each dy value (a) meets kh * kw * ci filter taps.
      return b ? 2 * size(a) * (size(b) / b[3]) : 0;
    case 'Conv2DBackpropFilter':
      // Each dy value (b) meets kh * kw * ci inputs; the output is the filter.
      return out && b ? 2 * size(b) * (size(out) / out[3]) : 0;
    case 'BatchMatMul':
    case '_FusedMatMul':
      // out [.., m, n] with k = size(a) * n / size(out): 2 * m * n * k = 2 * size(a) * n.
      return out ? 2 * size(a) * out[out.length - 1] : 0;
    default:
      return 0;
  }
}

/**
 * The Winograd products' multiply-adds x 2 of a 3 x 3 stride-1 convolution kernel, when the
 * rule sends it there; null otherwise. The records carry shapes, not attributes: stride 1
 * is read from a grid as large as the input or 2 apart ('same', 'valid', or the input
 * gradient of 'valid'; a stride-2 layer on a 4-pixel input would pass for it), the padding
 * from the sizes.
 */
function winogradFlops(k: KernelRecord, winograd: WinogradRule): number | null {
  const [a, b] = k.inputShapes;
  const out = k.outputShapes[0];
  if (!a || !b || !out) return null;
  // The convolution as the native kernel runs it: input [n, h, w, cin], output grid
  // [oh, ow], cout channels (the input gradient is a convolution of dy into dx's grid).
  let conv: { x: number[]; grid: number[]; cout: number; filter: number[] };
  if (k.name === 'Conv2DBackpropInput') conv = { x: a, grid: out, cout: out[3], filter: b };
  else if (k.name === 'Conv2DBackpropFilter') conv = { x: a, grid: b, cout: b[3], filter: out };
  else if (kernelFlops(k) > 0 && k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul')
    conv = { x: a, grid: out, cout: out[3], filter: b };
  else return null;
  const [n, h, w, cin] = conv.x;
  const [oh, ow] = [conv.grid[1], conv.grid[2]];
  const stride1 = (i: number, o: number) => Math.abs(o - i) === 0 || Math.abs(o - i) === 2;
  if (conv.filter[0] !== 3 || conv.filter[1] !== 3 || !stride1(h, oh) || !stride1(w, ow))
    return null;
  const geometry = [n, h, w, cin, 3, 3, oh, ow, 1, 1, 1, 1, (oh - h + 2) >> 1, (ow - w + 2) >> 1];
  if (!winograd(geometry, conv.cout)) return null;
  const tiles = n * Math.ceil(oh / 2) * Math.ceil(ow / 2);
  return 2 * tiles * 16 * cin * conv.cout;
}

/** kernels with flopsDone set where the rule sends a convolution to Winograd. */
export function withArithmeticDone(
  kernels: KernelRecord[],
  winograd: WinogradRule,
): KernelRecord[] {
  return kernels.map((k) => {
    const done = winogradFlops(k, winograd);
    return done === null ? k : { ...k, flopsDone: done };
  });
}

/** The multiply-adds x 2 a kernel does: flopsDone where set, else kernelFlops. */
export const kernelFlopsDone = (k: KernelRecord) => k.flopsDone ?? kernelFlops(k);

export function kernelBytes(k: KernelRecord): number {
  const values = [...k.inputShapes, ...k.outputShapes].reduce((s, shape) => s + size(shape), 0);
  return 4 * values;
}

/**
 * The step's bound in seconds at `gflops` GFLOP/s and `gbps` GB/s, with each kernel's
 * arithmetic counted by `flops` (the convolutions' work by default, or kernelFlopsDone).
 */
export function stepBound(
  kernels: KernelRecord[],
  gflops: number,
  gbps: number,
  flops: (k: KernelRecord) => number = kernelFlops,
): number {
  let seconds = 0;
  for (const k of kernels) {
    seconds += Math.max(flops(k) / (gflops * 1e9), kernelBytes(k) / (gbps * 1e9));
  }
  return seconds;
}

export function stepFlops(kernels: KernelRecord[]): number {
  return kernels.reduce((s, k) => s + kernelFlops(k), 0);
}
