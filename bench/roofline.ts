/**
 * The arithmetic of one training step, for the roofline lines of `npm run bench:engine`:
 * multiply-adds of every Conv2D, DepthwiseConv2D and Dense layer, counted twice (a
 * multiply and an add) for the forward pass, again for the weight gradient, and again for
 * the input gradient except at the first layer (nothing asks for the input's gradient).
 * Element-wise work (batch norm, ReLU, pooling, Adam) is left out: it is memory-bound, so
 * the figure is the GEMM-shaped work the peak loop bounds.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

interface Shaped {
  getClassName(): string;
  outputShape: tfl.Shape | tfl.Shape[];
  getWeights(): { shape: number[] }[];
}

function multiplyAdds(layer: Shaped): number {
  const kind = layer.getClassName();
  const kernel = layer.getWeights()[0]?.shape;
  if (!kernel) return 0;
  const out = layer.outputShape as number[];
  const pixels = out.slice(1, -1).reduce((a, b) => a * b, 1);
  if (kind === 'Conv2D' || kind === 'Dense') return pixels * kernel.reduce((a, b) => a * b, 1);
  if (kind === 'DepthwiseConv2D') return pixels * kernel.reduce((a, b) => a * b, 1);
  return 0;
}

/** FLOPs of one training step per sample (see the header for what is counted). */
export function trainingFlopsPerSample(model: tfl.LayersModel): number {
  let flops = 0;
  let first = true;
  for (const layer of model.layers as unknown as Shaped[]) {
    const macs = multiplyAdds(layer);
    if (macs === 0) continue;
    flops += 2 * macs * (first ? 2 : 3);
    first = false;
  }
  return flops;
}
