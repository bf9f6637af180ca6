/**
 * The depthwise convolution gradients, which tfjs-backend-wasm lacks: a pretrained
 * MobileNet-style backbone cannot be fine-tuned on wasm without them. Depthwise work is
 * small next to the pointwise convolutions around it, so these are direct loops on the
 * heap with the channel loop innermost (contiguous in NHWC), accumulated in float64.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvAttrs, f32, requireChannelsLast, type WasmBackend } from './wasm-heap.js';

/** Visits every (output pixel, filter tap) pair that reads an input pixel inside the image. */
function forEachTap(
  info: backend_util.Conv2DInfo,
  visit: (outBase: number, inBase: number, tap: number) => void,
): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const inC = info.inChannels;
  const outC = info.outChannels;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const outBase = ((n * outHeight + oh) * outWidth + ow) * outC;
        for (let kh = 0; kh < filterHeight; kh++) {
          const h = oh * sh - top + kh * dh;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * sw - left + kw * dw;
            if (w < 0 || w >= inWidth) continue;
            visit(outBase, ((n * inHeight + h) * inWidth + w) * inC, kh * filterWidth + kw);
          }
        }
      }
    }
  }
}

export function depthwiseConv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  attrs: ConvAttrs & { filterShape: [number, number, number, number] };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  requireChannelsLast('DepthwiseConv2dNativeBackpropFilter', attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputs.x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [kh, kw, inC, mult] = attrs.filterShape;
  const outC = inC * mult;
  const acc = new Float64Array(kh * kw * outC);
  const x = f32(backend, inputs.x);
  const dy = f32(backend, inputs.dy);
  forEachTap(info, (outBase, inBase, tap) => {
    const a = tap * outC;
    if (mult === 1) {
      for (let c = 0; c < outC; c++) acc[a + c] += x[inBase + c] * dy[outBase + c];
    } else {
      for (let c = 0; c < outC; c++) acc[a + c] += x[inBase + ((c / mult) | 0)] * dy[outBase + c];
    }
  });
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  f32(backend, out).set(acc);
  return out;
}

export function depthwiseConv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  attrs: ConvAttrs & { inputShape: [number, number, number, number] };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  requireChannelsLast('DepthwiseConv2dNativeBackpropInput', attrs.dataFormat);
  const filterShape = inputs.filter.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [, , inC, mult] = filterShape;
  const outC = inC * mult;
  const acc = new Float64Array(attrs.inputShape.reduce((p, d) => p * d, 1));
  const w = f32(backend, inputs.filter);
  const dy = f32(backend, inputs.dy);
  forEachTap(info, (outBase, inBase, tap) => {
    const f = tap * outC;
    if (mult === 1) {
      for (let c = 0; c < inC; c++) acc[inBase + c] += dy[outBase + c] * w[f + c];
    } else {
      for (let c = 0; c < inC; c++) {
        let s = 0;
        for (let m = 0; m < mult; m++) s += dy[outBase + c * mult + m] * w[f + c * mult + m];
        acc[inBase + c] += s;
      }
    }
  });
  const out = backend.makeOutput(attrs.inputShape, 'float32');
  f32(backend, out).set(acc);
  return out;
}
