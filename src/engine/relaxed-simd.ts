/**
 * Relaxed SIMD (WebAssembly's f32x4.relaxed_madd: a fused multiply-add, one rounding) is on
 * by default in Node 22 and 24; Node 20's V8 has it behind `--experimental-wasm-relaxed-simd`,
 * which can be set from code before a module using it is compiled. Detection validates a
 * tiny module holding one relaxed_madd, so it answers for the V8 that runs it, not for a
 * version number.
 *
 * @example
 *   if (relaxedSimdAvailable()) await WebAssembly.instantiate(relaxedBytes);
 */
import v8 from 'node:v8';

const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const BODY = [0x00, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x0b];
/** (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))) */
const PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x0a, BODY.length + 2, 0x01, BODY.length, ...BODY],
]);

let cached: boolean | undefined;

/** Whether this V8 compiles relaxed SIMD, turning Node 20's flag on when it needs it. */
export function relaxedSimdAvailable(): boolean {
  if (cached === undefined) {
    cached = WebAssembly.validate(PROBE);
    if (!cached && Number(process.versions.node.split('.')[0]) < 22) {
      // Only Node 20's V8 knows the flag; newer ones print "unrecognized flag" for it.
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      cached = WebAssembly.validate(PROBE);
    }
  }
  return cached;
}
