/**
 * The pure kernels behind the transforms: each takes an `Image` (HWC) and explicit
 * parameters, returns a new image, and draws nothing at random. 8-bit images follow
 * torchvision on PIL images bit for bit where PIL's arithmetic allows (see each file).
 *
 * @example
 *   import { transforms } from 'tunebook';
 *   const F = transforms.functional;
 *   const out = F.rotate(F.resize(image, [256, 256]), 5);
 */
export { gaussianBlur, gaussianKernel1d } from './blur.js';
export {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  rgbToGrayscale,
} from './color.js';
export { erase } from './erase.js';
export {
  centerCrop,
  centerOffset,
  crop,
  hflip,
  PADDING_MODES,
  type PaddingMode,
  pad,
  vflip,
} from './geometry.js';
export {
  axisTable,
  INTERPOLATIONS,
  type Interpolation,
  resize,
  resizedSize,
  type Window,
} from './resize.js';
export {
  ROTATE_INTERPOLATIONS,
  type RotateInterpolation,
  type RotateOptions,
  rotate,
  rotationMatrix,
} from './rotate.js';
export { normalize, toNormalizedTensor, toTensor } from './tensor.js';
export { roundHalfEven } from './util.js';
