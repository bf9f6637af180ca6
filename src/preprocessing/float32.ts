/**
 * OpenCV's single-precision arithmetic and rounding, reproduced in JavaScript doubles so that
 * equalisation matches `cv2` bit for bit. A double result of one `+ - * /` on float32 inputs,
 * rounded once with `Math.fround`, equals the float32 operation (53 >= 2 * 24 + 2 bits, so
 * the double rounding is harmless).
 *
 * @example
 *   saturateUint8(f32(0.5) * 5); // 2: cvRound rounds halves to even, then clamps to 0..255
 */

/** Rounds to the nearest float32, as a C `float` variable would hold it. */
export const f32 = Math.fround;

/** OpenCV's `cvRound`: nearest integer, halves to even (the SSE2 default rounding mode). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** OpenCV's `saturate_cast<uchar>(float)`: cvRound, then clamp to 0..255. */
export function saturateUint8(x: number): number {
  const r = roundHalfEven(x);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
