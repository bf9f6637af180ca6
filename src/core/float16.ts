/**
 * IEEE 754 half-precision (float16) bits decoded to a number: the one decoder NumPy `f2`
 * arrays and PyTorch/safetensors `float16` tensors share.
 *
 * @example
 *   float16ToNumber(0x3c00); // 1
 */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
