// Peak-throughput loops for bench/wasm-peak: 12 independent f32x4 accumulators (enough
// independent chains to hide a 4-cycle add or FMA latency on two ports), each updated
// with a*b+c per iteration. Built twice: with -msimd128 (mul then add, two roundings)
// and with -mrelaxed-simd (f32x4.relaxed_madd, which V8 lowers to vfmadd on x86 with FMA).
#include <wasm_simd128.h>

#ifdef RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

__attribute__((export_name("peak"))) float peak(int iterations, float seed) {
  v128_t b = wasm_f32x4_splat(0.9999f);
  v128_t a0 = wasm_f32x4_splat(seed), a1 = wasm_f32x4_splat(seed + 1), a2 = wasm_f32x4_splat(seed + 2);
  v128_t a3 = wasm_f32x4_splat(seed + 3), a4 = wasm_f32x4_splat(seed + 4), a5 = wasm_f32x4_splat(seed + 5);
  v128_t a6 = wasm_f32x4_splat(seed + 6), a7 = wasm_f32x4_splat(seed + 7), a8 = wasm_f32x4_splat(seed + 8);
  v128_t a9 = wasm_f32x4_splat(seed + 9), a10 = wasm_f32x4_splat(seed + 10), a11 = wasm_f32x4_splat(seed + 11);
  v128_t c = wasm_f32x4_splat(1e-7f);
  for (int i = 0; i < iterations; i++) {
    a0 = MADD(a0, b, c); a1 = MADD(a1, b, c); a2 = MADD(a2, b, c); a3 = MADD(a3, b, c);
    a4 = MADD(a4, b, c); a5 = MADD(a5, b, c); a6 = MADD(a6, b, c); a7 = MADD(a7, b, c);
    a8 = MADD(a8, b, c); a9 = MADD(a9, b, c); a10 = MADD(a10, b, c); a11 = MADD(a11, b, c);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}

// Memory-bound loop for the roofline's bandwidth: y[i] = x[i] * a + y[i] over n floats at
// byte offsets x and y of this module's memory (the caller grows it), as an element-wise
// training kernel moves data: two streams read, one written (12 bytes per element).
__attribute__((export_name("stream"))) void stream(float* x, float* y, int n, float a) {
  const v128_t s = wasm_f32x4_splat(a);
  for (int i = 0; i + 16 <= n; i += 16) {
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i), s), wasm_v128_load(y + i)));
    wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i + 4), s), wasm_v128_load(y + i + 4)));
    wasm_v128_store(y + i + 8, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i + 8), s), wasm_v128_load(y + i + 8)));
    wasm_v128_store(y + i + 12, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i + 12), s), wasm_v128_load(y + i + 12)));
  }
}
