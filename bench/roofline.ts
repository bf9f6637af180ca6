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
 */

/** A kernel of the step as tf.profile reports it. */
export interface KernelRecord {
  name: string;
  inputShapes: (number[] | null)[];
  outputShapes: (number[] | null)[];
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

export function kernelBytes(k: KernelRecord): number {
  const values = [...k.inputShapes, ...k.outputShapes].reduce((s, shape) => s + size(shape), 0);
  return 4 * values;
}

/** The step's bound in seconds at `gflops` GFLOP/s and `gbps` GB/s. */
export function stepBound(kernels: KernelRecord[], gflops: number, gbps: number): number {
  let seconds = 0;
  for (const k of kernels) {
    seconds += Math.max(kernelFlops(k) / (gflops * 1e9), kernelBytes(k) / (gbps * 1e9));
  }
  return seconds;
}

export function stepFlops(kernels: KernelRecord[]): number {
  return kernels.reduce((s, k) => s + kernelFlops(k), 0);
}
