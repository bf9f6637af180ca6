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
 * 16 transformed values per 2 x 2 tile and channel pair (F(2x2, 3x3), F(3x3, 2x2)) where the
 * direct sum does 36, or 36 per 4 x 4 tile (F(4x4, 3x3), F(3x3, 4x4)) where it does 144 (the
 * tiles of the output grid, dy's for the gradients). The first bound is the (the work
 * of the step's convolutions, whatever the algorithm); the second says how far the step is
 * from this platform's limit for what it computes.
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
 * Which convolutions the wasm kernels run by Winograd, by their own rules, for a geometry
 * ([n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl], native/kernels.c conv_geom) with
 * co output channels: `direct`, the tile of the output grid (dy's for the filter gradient)
 * conv_direct and conv_filter_grad_direct take (4 for F(4x4, 3x3) and F(3x3, 4x4), 2 for
 * F(2x2, 3x3) and F(3x3, 2x2), 0 for the direct sum); `transposed`, the tile of dy the input
 * gradient of that forward layer runs on (conv_input_grad_winograd: 4, 2, or 0 where it does
 * not).
 */
export interface WinogradRule {
  direct(geometry: number[], co: number): number;
  transposed(geometry: number[], co: number): number;
}

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
  const matmul = k.name === 'BatchMatMul' || k.name === '_FusedMatMul';
  if (!a || !b || !out || kernelFlops(k) === 0 || matmul) return null;
  // The input gradient on dy's tiles: the forward layer is dx [n, h, w, ci] -> dy.
  if (k.name === 'Conv2DBackpropInput' && b[0] === 3 && b[1] === 3) {
    const layer = stride1Geometry(out, a);
    const tile = layer ? winograd.transposed(layer, a[3]) : 0;
    if (tile) return products(a, out[3], a[3], tile);
  }
  // The convolution as conv_direct or conv_filter_grad_direct runs it: input [n, h, w, cin],
  // output grid [oh, ow], cout channels (the input gradient: dy convolved into dx's grid).
  let conv: { x: number[]; grid: number[]; cout: number; filter: number[] };
  if (k.name === 'Conv2DBackpropInput') conv = { x: a, grid: out, cout: out[3], filter: b };
  else if (k.name === 'Conv2DBackpropFilter') conv = { x: a, grid: b, cout: b[3], filter: out };
  else conv = { x: a, grid: out, cout: out[3], filter: b };
  if (conv.filter[0] !== 3 || conv.filter[1] !== 3) return null;
  const geometry = stride1Geometry(conv.x, conv.grid);
  const tile = geometry ? winograd.direct(geometry, conv.cout) : 0;
  return tile ? products(conv.grid, conv.x[3], conv.cout, tile) : null;
}

/**
 * The 3 x 3 stride-1 geometry from input [n, h, w, c] to an output grid [n, oh, ow, ..], or
 * null where the sizes rule stride 1 out: a grid as large as the input or 2 apart ('same',
 * 'valid', or the correlation for 'valid''s input gradient), the padding from the sizes.
 */
function stride1Geometry(x: number[], grid: number[]): number[] | null {
  const [n, h, w, c] = x;
  const [oh, ow] = [grid[1], grid[2]];
  const stride1 = (i: number, o: number) => Math.abs(o - i) === 0 || Math.abs(o - i) === 2;
  if (!stride1(h, oh) || !stride1(w, ow)) return null;
  return [n, h, w, c, 3, 3, oh, ow, 1, 1, 1, 1, (oh - h + 2) >> 1, (ow - w + 2) >> 1];
}

/**
 * Multiply-adds x 2 of Winograd's products on m x m tiles of grid: (m + 2)^2 per tile and
 * channel pair (16 for F(2x2, 3x3) and F(3x3, 2x2), 36 for F(4x4, 3x3)).
 */
function products(grid: number[], cin: number, cout: number, m: number): number {
  const tiles = grid[0] * Math.ceil(grid[1] / m) * Math.ceil(grid[2] / m);
  return 2 * tiles * (m + 2) ** 2 * cin * cout;
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
