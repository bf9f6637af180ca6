/*
 * SIMD passes of PIL's 8-bit resampling (Pillow's libImaging/Resample.c arithmetic: 22-bit
 * fixed-point weights, accumulators starting at 1 << 21, >> 22, clamp to 0..255), so the
 * results are bit-identical to the TypeScript kernels in
 * ../../transforms/functional/resize.ts and to Pillow. The weight tables come from TypeScript
 * (`axisTable`); these functions only run the multiply-adds. Built to wasm32 with SIMD by
 * build.mjs, embedded in image-kernels-wasm.ts.
 *
 * Buffers are laid out by the caller with 16 bytes of slack after every image, because the
 * 3-channel pass loads and stores 4 bytes for a 3-byte pixel.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define PRECISION_BITS 22
#define HALF (1 << (PRECISION_BITS - 1))
#define EXPORT __attribute__((visibility("default")))

static inline v128_t widen4(const uint8_t *p) {
  v128_t v = wasm_v128_load32_zero(p);
  return wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(v));
}

/* Shift, clamp to 0..255 and pack the low lanes of four accumulators to bytes. */
static inline v128_t pack16(v128_t a, v128_t b, v128_t c, v128_t d) {
  a = wasm_i32x4_shr(a, PRECISION_BITS);
  b = wasm_i32x4_shr(b, PRECISION_BITS);
  c = wasm_i32x4_shr(c, PRECISION_BITS);
  d = wasm_i32x4_shr(d, PRECISION_BITS);
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
}

/* Horizontal pass for 3-channel rows: dst[y][x] = sum_j src[y][first[x] + j] * w[x][j]. */
EXPORT void resample_h3(const uint8_t *src, int src_stride, uint8_t *dst, int dst_stride, int rows,
                        int out_w, const int32_t *first, const int32_t *count,
                        const int32_t *weights, int taps) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *s = src + y * src_stride;
    uint8_t *d = dst + y * dst_stride;
    for (int x = 0; x < out_w; x++) {
      const uint8_t *p = s + first[x] * 3;
      const int32_t *k = weights + x * taps;
      int n = count[x];
      v128_t acc = wasm_i32x4_splat(HALF);
      for (int j = 0; j < n; j++) {
        acc = wasm_i32x4_add(acc, wasm_i32x4_mul(widen4(p + j * 3), wasm_i32x4_splat(k[j])));
      }
      v128_t packed = pack16(acc, acc, acc, acc);
      /* Writes a fourth byte that the next pixel (or the slack) overwrites. */
      wasm_v128_store32_lane(d + x * 3, packed, 0);
    }
  }
}

/* Horizontal pass for 1-channel rows. */
EXPORT void resample_h1(const uint8_t *src, int src_stride, uint8_t *dst, int dst_stride, int rows,
                 int out_w, const int32_t *first, const int32_t *count, const int32_t *weights,
                 int taps) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *s = src + y * src_stride;
    uint8_t *d = dst + y * dst_stride;
    for (int x = 0; x < out_w; x++) {
      const uint8_t *p = s + first[x];
      const int32_t *k = weights + x * taps;
      int n = count[x];
      int32_t acc = HALF;
      for (int j = 0; j < n; j++) acc += p[j] * k[j];
      acc >>= PRECISION_BITS;
      d[x] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
    }
  }
}

/*
 * Vertical pass over byte rows of row_len values: dst[y] = sum_j mid[first[y] + j] * w[y][j].
 * Works 16 values at a time; a row shorter than 16 values takes the scalar path.
 */
EXPORT void resample_v(const uint8_t *mid, int row_len, uint8_t *dst, int out_rows,
                const int32_t *first, const int32_t *count, const int32_t *weights, int taps) {
  for (int y = 0; y < out_rows; y++) {
    const int32_t *k = weights + y * taps;
    const uint8_t *base = mid + first[y] * row_len;
    int n = count[y];
    uint8_t *d = dst + y * row_len;
    if (row_len < 16) {
      for (int i = 0; i < row_len; i++) {
        int32_t acc = HALF;
        for (int j = 0; j < n; j++) acc += base[j * row_len + i] * k[j];
        acc >>= PRECISION_BITS;
        d[i] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
      }
      continue;
    }
    for (int i = 0; i < row_len; i += 16) {
      /* The last block overlaps the one before rather than running past the row. */
      int at = i + 16 <= row_len ? i : row_len - 16;
      v128_t a0 = wasm_i32x4_splat(HALF), a1 = a0, a2 = a0, a3 = a0;
      for (int j = 0; j < n; j++) {
        v128_t v = wasm_v128_load(base + j * row_len + at);
        v128_t w = wasm_i32x4_splat(k[j]);
        v128_t lo = wasm_u16x8_extend_low_u8x16(v);
        v128_t hi = wasm_u16x8_extend_high_u8x16(v);
        a0 = wasm_i32x4_add(a0, wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(lo), w));
        a1 = wasm_i32x4_add(a1, wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(lo), w));
        a2 = wasm_i32x4_add(a2, wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(hi), w));
        a3 = wasm_i32x4_add(a3, wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(hi), w));
      }
      wasm_v128_store(d + at, pack16(a0, a1, a2, a3));
    }
  }
}

/*
 * Nearest-neighbour remap with PIL's 16.16 fixed-point affine stepping (Geometry.c's
 * affine_fixed): output (x, y) reads source (xx >> 16, yy >> 16) with xx = a2 + x*a0 + y*a1,
 * yy = a5 + x*a3 + y*a4, mirrored when the source was flipped first; pixels that fall outside
 * get `fill`. `remap_lut` writes floats through a per-channel 256-entry table (toTensor then
 * normalize), `remap_u8` writes bytes.
 */
EXPORT void remap_lut(const uint8_t *src, int sw, int sh, int c, float *dst, int ow, int oh,
                      int a0, int a1, int a2, int a3, int a4, int a5, int mirror_x, int mirror_y,
                      const float *lut, const float *fill) {
  int rx = a2, ry = a5;
  for (int y = 0; y < oh; y++, rx += a1, ry += a4) {
    int xx = rx, yy = ry;
    float *d = dst + y * ow * c;
    for (int x = 0; x < ow; x++, xx += a0, yy += a3, d += c) {
      int xin = xx >> 16, yin = yy >> 16;
      if ((unsigned)xin < (unsigned)sw && (unsigned)yin < (unsigned)sh) {
        if (mirror_x) xin = sw - 1 - xin;
        if (mirror_y) yin = sh - 1 - yin;
        const uint8_t *p = src + (yin * sw + xin) * c;
        if (c == 3) {
          d[0] = lut[p[0]];
          d[1] = lut[256 + p[1]];
          d[2] = lut[512 + p[2]];
        } else {
          for (int ch = 0; ch < c; ch++) d[ch] = lut[ch * 256 + p[ch]];
        }
      } else {
        for (int ch = 0; ch < c; ch++) d[ch] = fill[ch];
      }
    }
  }
}

EXPORT void remap_u8(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int ow, int oh,
                     int a0, int a1, int a2, int a3, int a4, int a5, int mirror_x, int mirror_y,
                     const uint8_t *fill) {
  int rx = a2, ry = a5;
  for (int y = 0; y < oh; y++, rx += a1, ry += a4) {
    int xx = rx, yy = ry;
    uint8_t *d = dst + y * ow * c;
    for (int x = 0; x < ow; x++, xx += a0, yy += a3, d += c) {
      int xin = xx >> 16, yin = yy >> 16;
      if ((unsigned)xin < (unsigned)sw && (unsigned)yin < (unsigned)sh) {
        if (mirror_x) xin = sw - 1 - xin;
        if (mirror_y) yin = sh - 1 - yin;
        const uint8_t *p = src + (yin * sw + xin) * c;
        for (int ch = 0; ch < c; ch++) d[ch] = p[ch];
      } else {
        for (int ch = 0; ch < c; ch++) d[ch] = fill[ch];
      }
    }
  }
}
