// tunebook's helper kernels for the tfjs wasm backend, compiled to native/kernels.wasm by
// scripts/build-native.mjs (clang --target=wasm32 -msimd128) and committed, so that
// `npm ci` needs no C toolchain.
//
// The module imports the backend's own memory and works on tensors in place: every pointer
// below is a byte offset into the tfjs heap. It must not own static data (its data segment
// would be written over the backend's heap at instantiation); the build script checks that
// the module has no data section, and the loader points its stack into a block it mallocs.

#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

static void zero(float* p, int n) {
  int i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= n; i += 4) wasm_v128_store(p + i, z);
  for (; i < n; i++) p[i] = 0.0f;
}

static void copy(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < n; i++) dst[i] = src[i];
}

// The rows (or columns) [*a, *b) of x that pooling window o covers: stride s, padding p
// before, f wide, clipped to [0, limit).
static inline void window_span(int o, int s, int p, int f, int limit, int* a, int* b) {
  const int lo = o * s - p, hi = lo + f;
  *a = lo < 0 ? 0 : lo;
  *b = hi > limit ? limit : hi;
}

// Max pooling, NHWC, as tfjs's cpu backend computes it and as maxpool_grad picks: from -inf,
// a position replaces the best only when strictly greater, so a NaN is never the maximum
// and a window of NaNs (or wholly in the padding) gives -inf. Each window in row-major
// order, four channels at a time: an output row's windows are built in it while x's rows
// are read one after the other, each once (maxpool_row). With x coming from memory, as in a
// training step, reading a window's rows together took 1.6-2x as long (two streams a row
// apart; a 5.5 MB pool 0.56-0.69 ms against 0.33-0.36). "Replaces when strictly greater" is
// f32x4.pmax(best, v), one maxps under V8 (a compare and select took 1.5x as long).
// One row of x into an output row of max pooling: each window's columns [c0, c1) of `row`
// taken in order into its best, which starts at -inf for the window's first row (`first`)
// and is read from `out` for the others.
static void maxpool_row(const float* row, float* out, int OW, int W, int C, int fw, int sw,
                        int pl, int first) {
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  const int C4 = C & ~3;
  for (int ow = 0; ow < OW; ow++) {
    int c0, c1;
    window_span(ow, sw, pl, fw, W, &c0, &c1);
    float* o = out + ow * C;
    const float* v = row + c0 * C;
    int ch = 0;
    if (c1 - c0 == 2)
      for (; ch < C4; ch += 4) {
        const v128_t b = first ? ninf : wasm_v128_load(o + ch);
        const v128_t m = wasm_f32x4_pmax(b, wasm_v128_load(v + ch));
        wasm_v128_store(o + ch, wasm_f32x4_pmax(m, wasm_v128_load(v + C + ch)));
      }
    for (; ch < C4; ch += 4) {
      v128_t best = first ? ninf : wasm_v128_load(o + ch);
      for (int c = 0; c < c1 - c0; c++) best = wasm_f32x4_pmax(best, wasm_v128_load(v + c * C + ch));
      wasm_v128_store(o + ch, best);
    }
    for (; ch < C; ch++) {
      float best = first ? -__builtin_inff() : o[ch];
      for (int c = 0; c < c1 - c0; c++)
        if (v[c * C + ch] > best) best = v[c * C + ch];
      o[ch] = best;
    }
  }
}

EXPORT void maxpool(const float* x, float* y, int N, int H, int W, int C, int OH, int OW,
                    int fh, int fw, int sh, int sw, int pt, int pl) {
  for (int n = 0; n < N; n++)
    for (int oh = 0; oh < OH; oh++) {
      int r0, r1;
      window_span(oh, sh, pt, fh, H, &r0, &r1);
      float* out = y + (n * OH + oh) * OW * C;
      if (r0 >= r1)
        for (int i = 0; i < OW * C; i++) out[i] = -__builtin_inff();
      for (int r = r0; r < r1; r++)
        maxpool_row(x + (n * H + r) * W * C, out, OW, W, C, fw, sw, pl, r == r0);
    }
}

// A whole 2 x 2 window, four channels: dy to the first position (row-major) of the maximum.
static inline void window2x2(const float* x, const float* g, float* dx, int rowstride, int C,
                             int ch) {
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  const v128_t v0 = wasm_v128_load(x + ch), v1 = wasm_v128_load(x + C + ch);
  const v128_t v2 = wasm_v128_load(x + rowstride + ch), v3 = wasm_v128_load(x + rowstride + C + ch);
  // The general walk's pick: a later position wins only when strictly greater, from -inf,
  // so the first position holding the window's maximum, none for a window of -inf or NaN
  // (a NaN is never picked). Here the maximum by pmax (which passes over NaN), then the first
  // position equal to it, and for a window with no number above -inf a dy of 0 (what no pick
  // stores): fewer operations than tracking the winner step by step (engine-ab B/A 0.86
  // warm, 0.85 cold on the CNN's first pool).
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff());
  const v128_t best =
      wasm_f32x4_pmax(wasm_f32x4_pmax(wasm_f32x4_pmax(wasm_f32x4_pmax(ninf, v0), v1), v2), v3);
  const v128_t e0 = wasm_f32x4_eq(v0, best), e1 = wasm_f32x4_eq(v1, best);
  const v128_t e01 = wasm_v128_or(e0, e1), e012 = wasm_v128_or(e01, wasm_f32x4_eq(v2, best));
  const v128_t p0 = e0, p1 = wasm_v128_andnot(e1, e0);
  const v128_t p2 = wasm_v128_andnot(wasm_f32x4_eq(v2, best), e01);
  const v128_t p3 = wasm_v128_andnot(wasm_f32x4_eq(v3, best), e012);
  const v128_t g4 = wasm_v128_and(wasm_v128_load(g + ch), wasm_f32x4_gt(best, ninf));
  wasm_v128_store(dx + ch, wasm_f32x4_add(zero4, wasm_v128_and(g4, p0)));
  wasm_v128_store(dx + C + ch, wasm_f32x4_add(zero4, wasm_v128_and(g4, p1)));
  wasm_v128_store(dx + rowstride + ch, wasm_f32x4_add(zero4, wasm_v128_and(g4, p2)));
  wasm_v128_store(dx + rowstride + C + ch, wasm_f32x4_add(zero4, wasm_v128_and(g4, p3)));
}

// maxpool_grad for windows that do not overlap (stride >= window), the usual 2x2 pool:
// each x position is in at most one window, so every window writes its positions directly,
// 0 or dy (as 0 + dy, the general path's sum), with no scatter; dx is zeroed first only when
// the windows leave positions out. Its own window walk: one walk shared with the scatter
// path below (tried) ran this case 1.3x slower.
static void maxpool_grad_tiled(const float* x, const float* dy, float* dx, int N, int H, int W,
                               int C, int OH, int OW, int fh, int fw, int sh, int sw, int pt,
                               int pl) {
  const int covered = pt == 0 && pl == 0 && fh == sh && fw == sw && OH * sh == H && OW * sw == W;
  if (!covered) zero(dx, N * H * W * C);
  const int C4 = C & ~3;
  const v128_t zero4 = wasm_f32x4_splat(0.0f);
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      int r0, r1;
      window_span(oh, sh, pt, fh, H, &r0, &r1);
      for (int ow = 0; ow < OW; ow++) {
        int c0, c1;
        window_span(ow, sw, pl, fw, W, &c0, &c1);
        const float* g = dy + ((n * OH + oh) * OW + ow) * C;
        const int corner = ((n * H + r0) * W + c0) * C;
        int ch = 0;
        if (r1 - r0 == 2 && c1 - c0 == 2)
          for (; ch < C4; ch += 4) window2x2(x + corner, g, dx + corner, W * C, C, ch);
        for (; ch < C4; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          for (int r = r0, k = 0; r < r1; r++)
            for (int c = c0; c < c1; c++, k++) {
              const v128_t v = wasm_v128_load(x + corner + ((r - r0) * W + c - c0) * C + ch);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              where = wasm_v128_bitselect(wasm_i32x4_splat(k), where, gt);
            }
          const v128_t g4 = wasm_v128_load(g + ch);
          for (int r = r0, k = 0; r < r1; r++)
            for (int c = c0; c < c1; c++, k++) {
              const v128_t pick = wasm_i32x4_eq(where, wasm_i32x4_splat(k));
              wasm_v128_store(dx + corner + ((r - r0) * W + c - c0) * C + ch,
                              wasm_f32x4_add(zero4, wasm_v128_bitselect(g4, zero4, pick)));
            }
        }
        for (; ch < C; ch++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int r = r0, k = 0; r < r1; r++)
            for (int c = c0; c < c1; c++, k++)
              if (x[corner + ((r - r0) * W + c - c0) * C + ch] > best) {
                best = x[corner + ((r - r0) * W + c - c0) * C + ch];
                where = k;
              }
          for (int r = r0, k = 0; r < r1; r++)
            for (int c = c0; c < c1; c++, k++)
              dx[corner + ((r - r0) * W + c - c0) * C + ch] = 0.0f + (k == where ? g[ch] : 0.0f);
        }
      }
    }
  }
}

// Floats of maxpool_grad_rows's row of window maxima (on the stack: 64 KiB of its 256).
#define POOL_ROW_FLOATS 16384

// maxpool_grad_tiled's picks with x's rows read one after the other, as maxpool reads them
// (two streams a row apart read x at about half the rate of one when it comes from memory,
// as in a training step): per output row, the windows' maxima first (maxpool_row), a lane
// with no number above -inf set to NaN, then each window row in order, where a position
// equal to its window's maximum takes dy and sets that maximum to NaN (all ones), which
// nothing equals after it: the first position holding the maximum, none for a window of -inf
// or NaN, the walk's picks. dx as 0 + dy or 0 at every position (zeroed first where the
// windows leave some out).
static void maxpool_grad_rows(const float* x, const float* dy, float* dx, int N, int H, int W,
                              int C, int OH, int OW, int fh, int fw, int sh, int sw, int pt,
                              int pl) {
  const int covered = pt == 0 && pl == 0 && fh == sh && fw == sw && OH * sh == H && OW * sw == W;
  if (!covered) zero(dx, N * H * W * C);
  const int C4 = C & ~3;
  const v128_t ninf = wasm_f32x4_splat(-__builtin_inff()), zero4 = wasm_f32x4_splat(0.0f);
  float best[POOL_ROW_FLOATS];
  for (int n = 0; n < N; n++)
    for (int oh = 0; oh < OH; oh++) {
      int r0, r1;
      window_span(oh, sh, pt, fh, H, &r0, &r1);
      for (int r = r0; r < r1; r++)
        maxpool_row(x + (n * H + r) * W * C, best, OW, W, C, fw, sw, pl, r == r0);
      int i = 0;
      for (; i + 4 <= OW * C; i += 4) {
        const v128_t b = wasm_v128_load(best + i);
        wasm_v128_store(best + i, wasm_v128_or(b, wasm_v128_not(wasm_f32x4_gt(b, ninf))));
      }
      for (; i < OW * C; i++)
        if (!(best[i] > -__builtin_inff())) best[i] = __builtin_nanf("");
      const float* g = dy + (n * OH + oh) * OW * C;
      for (int r = r0; r < r1; r++) {
        const float* row = x + (n * H + r) * W * C;
        float* drow = dx + (n * H + r) * W * C;
        for (int ow = 0; ow < OW; ow++) {
          int c0, c1;
          window_span(ow, sw, pl, fw, W, &c0, &c1);
          float* b = best + ow * C;
          const float* gw = g + ow * C;
          for (int c = c0; c < c1; c++) {
            const float* v = row + c * C;
            float* d = drow + c * C;
            int ch = 0;
            for (; ch < C4; ch += 4) {
              const v128_t m = wasm_v128_load(b + ch);
              const v128_t e = wasm_f32x4_eq(wasm_v128_load(v + ch), m);
              wasm_v128_store(d + ch, wasm_f32x4_add(zero4, wasm_v128_and(wasm_v128_load(gw + ch), e)));
              wasm_v128_store(b + ch, wasm_v128_or(m, e));
            }
            for (; ch < C; ch++) {
              const int e = v[ch] == b[ch];
              d[ch] = 0.0f + (e ? gw[ch] : 0.0f);
              if (e) b[ch] = __builtin_nanf("");
            }
          }
        }
      }
    }
}

// Max-pool gradient, NHWC: each window's dy goes to the first (row-major) position holding
// the window's maximum, as tfjs's cpu backend does, so ties resolve the same way.
EXPORT void maxpool_grad(const float* x, const float* dy, float* dx, int N, int H, int W,
                         int C, int OH, int OW, int fh, int fw, int sh, int sw, int pt, int pl) {
  if (sh >= fh && sw >= fw) {
    if (OW * C <= POOL_ROW_FLOATS)
      maxpool_grad_rows(x, dy, dx, N, H, W, C, OH, OW, fh, fw, sh, sw, pt, pl);
    else
      maxpool_grad_tiled(x, dy, dx, N, H, W, C, OH, OW, fh, fw, sh, sw, pt, pl);
    return;
  }
  zero(dx, N * H * W * C);
  const int C4 = C & ~3;
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      int r0, r1;
      window_span(oh, sh, pt, fh, H, &r0, &r1);
      for (int ow = 0; ow < OW; ow++) {
        int c0, c1;
        window_span(ow, sw, pl, fw, W, &c0, &c1);
        const float* g = dy + ((n * OH + oh) * OW + ow) * C;
        int ch = 0;
        for (; ch < C4; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
              const int base = ((n * H + r) * W + c) * C + ch;
              v128_t v = wasm_v128_load(x + base);
              v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              where = wasm_v128_bitselect(wasm_i32x4_splat(base), where, gt);
            }
          }
          int idx[4];
          wasm_v128_store(idx, where);
          for (int l = 0; l < 4; l++)
            if (idx[l] >= 0) dx[idx[l] + l] += g[ch + l];
        }
        for (; ch < C; ch++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int r = r0; r < r1; r++)
            for (int c = c0; c < c1; c++) {
              const int i = ((n * H + r) * W + c) * C + ch;
              if (x[i] > best) {
                best = x[i];
                where = i;
              }
            }
          if (where >= 0) dx[where] += g[ch];
        }
      }
    }
  }
}

// out[c] = scale * sum over r of x[r * cols + c], accumulated in float64.
EXPORT void sum_rows(const float* x, float* out, double* acc, int rows, int cols, float scale) {
  for (int c = 0; c < cols; c++) acc[c] = 0.0;
  const int C4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t v = wasm_v128_load(row + c);
      v128_t lo = wasm_f64x2_promote_low_f32x4(v);
      v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
      wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), lo));
      wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), hi));
    }
    for (; c < cols; c++) acc[c] += row[c];
  }
  for (int c = 0; c < cols; c++) out[c] = (float)(acc[c] * scale);
}

// out[r, c] = a[r, c] (op) v[c], or v[c] (op) a[r, c] when `swap`: a vector broadcast along
// the last axis, the shape batch-norm and bias gradients produce.
EXPORT void bcast_last(int op, int swap, const float* a, const float* v, float* out, int rows,
                       int cols) {
  const int C4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float* ar = a + r * cols;
    float* o = out + r * cols;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t x = wasm_v128_load(ar + c);
      v128_t y = wasm_v128_load(v + c);
      if (swap) {
        v128_t t = x;
        x = y;
        y = t;
      }
      v128_t z;
      switch (op) {
        case 0: z = wasm_f32x4_add(x, y); break;
        case 1: z = wasm_f32x4_sub(x, y); break;
        case 2: z = wasm_f32x4_mul(x, y); break;
        default: z = wasm_f32x4_div(x, y); break;
      }
      wasm_v128_store(o + c, z);
    }
    for (; c < cols; c++) {
      float x = swap ? v[c] : ar[c];
      float y = swap ? ar[c] : v[c];
      o[c] = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y;
    }
  }
}

EXPORT void fill_zero(float* p, int n) { zero(p, n); }

// Per-channel sums in float64 over rows of C channels: s1[c] = sum a[r, c] and
// s2[c] = sum a[r, c] * (b[r, c] - shift[c]) (shift null: 0), the statistics of batch norm's
// two passes. Blocks of rows small enough for L1, four channels at a time, with the float64
// accumulators in registers across a block.
#define SUM_BLOCK 256
static void channel_sums(const float* a, const float* b, const float* shift, double* s1,
                         double* s2, int rows, int C) {
  for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
  const int C4 = C & ~3;
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = r0 + SUM_BLOCK < rows ? r0 + SUM_BLOCK : rows;
    for (int c = 0; c < C4; c += 4) {
      const v128_t sh = shift ? wasm_v128_load(shift + c) : wasm_f32x4_splat(0.0f);
      v128_t a_lo = wasm_f64x2_splat(0.0), a_hi = a_lo, p_lo = a_lo, p_hi = a_lo;
      for (int r = r0; r < r1; r++) {
        const v128_t va = wasm_v128_load(a + r * C + c);
        const v128_t vb = wasm_f32x4_sub(wasm_v128_load(b + r * C + c), sh);
        const v128_t al = wasm_f64x2_promote_low_f32x4(va);
        const v128_t ah = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(va, va, 2, 3, 0, 1));
        const v128_t bl = wasm_f64x2_promote_low_f32x4(vb);
        const v128_t bh = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(vb, vb, 2, 3, 0, 1));
        a_lo = wasm_f64x2_add(a_lo, al);
        a_hi = wasm_f64x2_add(a_hi, ah);
        p_lo = wasm_f64x2_add(p_lo, wasm_f64x2_mul(al, bl));
        p_hi = wasm_f64x2_add(p_hi, wasm_f64x2_mul(ah, bh));
      }
      wasm_v128_store(s1 + c, wasm_f64x2_add(wasm_v128_load(s1 + c), a_lo));
      wasm_v128_store(s1 + c + 2, wasm_f64x2_add(wasm_v128_load(s1 + c + 2), a_hi));
      wasm_v128_store(s2 + c, wasm_f64x2_add(wasm_v128_load(s2 + c), p_lo));
      wasm_v128_store(s2 + c + 2, wasm_f64x2_add(wasm_v128_load(s2 + c + 2), p_hi));
    }
    for (int c = C4; c < C; c++) {
      const float sh = shift ? shift[c] : 0.0f;
      for (int r = r0; r < r1; r++) {
        const double va = a[r * C + c];
        s1[c] += va;
        s2[c] += va * (double)(b[r * C + c] - sh);
      }
    }
  }
}

// channel_sums with b = a and no shift (the forward statistics: sums and sums of squares),
// the same additions in the same order, eight channels at a time where they can be: each
// two loaded as a pair straight into float64 lanes, no shuffle, with the 16 accumulators
// of a block of rows in registers.
static void channel_squares(const float* a, double* s1, double* s2, int rows, int C) {
  for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
  const int C4 = C & ~3;
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = r0 + SUM_BLOCK < rows ? r0 + SUM_BLOCK : rows;
    int c = 0;
    for (; c + 8 <= C4; c += 8) {
      v128_t t[4], q[4];
      for (int k = 0; k < 4; k++) t[k] = q[k] = wasm_f64x2_splat(0.0);
      for (int r = r0; r < r1; r++)
        for (int k = 0; k < 4; k++) {
          const v128_t v = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(a + r * C + c + 2 * k));
          t[k] = wasm_f64x2_add(t[k], v);
          q[k] = wasm_f64x2_add(q[k], wasm_f64x2_mul(v, v));
        }
      for (int k = 0; k < 4; k++) {
        wasm_v128_store(s1 + c + 2 * k, wasm_f64x2_add(wasm_v128_load(s1 + c + 2 * k), t[k]));
        wasm_v128_store(s2 + c + 2 * k, wasm_f64x2_add(wasm_v128_load(s2 + c + 2 * k), q[k]));
      }
    }
    for (; c < C4; c += 2) {
      v128_t t = wasm_f64x2_splat(0.0), q = t;
      for (int r = r0; r < r1; r++) {
        const v128_t v = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(a + r * C + c));
        t = wasm_f64x2_add(t, v);
        q = wasm_f64x2_add(q, wasm_f64x2_mul(v, v));
      }
      wasm_v128_store(s1 + c, wasm_f64x2_add(wasm_v128_load(s1 + c), t));
      wasm_v128_store(s2 + c, wasm_f64x2_add(wasm_v128_load(s2 + c), q));
    }
    for (; c < C; c++)
      for (int r = r0; r < r1; r++) {
        const double v = a[r * C + c];
        s1[c] += v;
        s2[c] += v * v;
      }
  }
}

// Batch norm in training, channels last: per-channel batch mean and (biased) variance in
// float64, then y = x * a + b with a = gamma / sqrt(var + eps), b = beta - mean * a.
// scratch: 2*C doubles then 2*C floats.
EXPORT void bn_forward(const float* x, const float* gamma, const float* beta, float* y,
                       float* mean, float* var, float* invstd, void* scratch, int rows, int C,
                       float eps) {
  double* s1 = (double*)scratch;
  double* s2 = s1 + C;
  float* a = (float*)(s2 + C);
  float* b = a + C;
  channel_squares(x, s1, s2, rows, C);
  for (int c = 0; c < C; c++) {
    const double m = s1[c] / rows;
    double v = s2[c] / rows - m * m;
    if (v < 0) v = 0;
    const double inv = 1.0 / __builtin_sqrt(v + eps);
    mean[c] = (float)m;
    var[c] = (float)v;
    invstd[c] = (float)inv;
    a[c] = (float)(gamma[c] * inv);
    b[c] = (float)(beta[c] - m * gamma[c] * inv);
  }
  const int C4 = C & ~3;
  for (int r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    int c = 0;
    for (; c < C4; c += 4)
      wasm_v128_store(yr + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(a + c)),
                                             wasm_v128_load(b + c)));
    for (; c < C; c++) yr[c] = xr[c] * a[c] + b[c];
  }
}

// Its gradient in closed form: dbeta = sum dy, dgamma = sum dy * xhat, and
// dx = gamma*inv * (dy - dbeta/m - xhat * dgamma/m) = k1*dy + k2*x + k3 per channel.
// scratch: 2*C doubles then 3*C floats.
EXPORT void bn_backward(const float* dy, const float* x, const float* mean, const float* invstd,
                        const float* gamma, float* dx, float* dgamma, float* dbeta,
                        void* scratch, int rows, int C) {
  double* s1 = (double*)scratch;
  double* s2 = s1 + C;
  float* k1 = (float*)(s2 + C);
  float* k2 = k1 + C;
  float* k3 = k2 + C;
  channel_sums(dy, x, mean, s1, s2, rows, C);
  for (int c = 0; c < C; c++) {
    const double inv = invstd[c];
    const double db = s1[c];
    const double dg = s2[c] * inv;
    dbeta[c] = (float)db;
    dgamma[c] = (float)dg;
    const double scale = gamma[c] * inv;
    k1[c] = (float)scale;
    k2[c] = (float)(-scale * inv * dg / rows);
    k3[c] = (float)(scale * (mean[c] * inv * dg / rows - db / rows));
  }
  const int C4 = C & ~3;
  for (int r = 0; r < rows; r++) {
    const float* g = dy + r * C;
    const float* xr = x + r * C;
    float* o = dx + r * C;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t t = wasm_f32x4_mul(wasm_v128_load(g + c), wasm_v128_load(k1 + c));
      t = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(k2 + c)));
      wasm_v128_store(o + c, wasm_f32x4_add(t, wasm_v128_load(k3 + c)));
    }
    for (; c < C; c++) o[c] = g[c] * k1[c] + xr[c] * k2[c] + k3[c];
  }
}

// ---------------------------------------------------------------------------------------
// Register tiles of the convolution kernels: MR rows x NR columns, 2 f32x4 accumulators per
// row. Built twice by scripts/build-native.mjs: into kernels.wasm with MADD as f32x4.mul then
// add (two roundings), and into kernels-relaxed.wasm with f32x4.relaxed_madd (V8 lowers it to
// one vfmadd on x86 with FMA: one rounding per multiply-add). Either way each output is a
// sum of R = KH*KW*C products (or of a block of pixels' products, added into the result)
// accumulated in float32 in order, so its error is bounded by about R * 2^-24 * sum|a*b|
// (FMA drops the product's rounding); the grids' tolerance is far above it (docs/design.md).
#ifdef RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

// 4 x 8 tiles (8 accumulators) measured faster than 5 x 8 and 6 x 8 under V8 on x86, whose
// 16 xmm registers must also hold the b row and the broadcast a value.
#define TILE_MR 4
#define TILE_NR 8

// Floats of the scratch block the loader allocates once per heap (shared by the kernels;
// a call that needs more is given a tensor of its own).
#define SCRATCH_FLOATS (1 << 18)

// Packs b[k0.., n0..] (kc x nc) into NR-column panels (zeros past the last column).
static void pack_b(const float* b, int brs, int bcs, int kc, int nc, float* out) {
  for (int j0 = 0; j0 < nc; j0 += TILE_NR) {
    const int nr = nc - j0 < TILE_NR ? nc - j0 : TILE_NR;
    const float* src = b + j0 * bcs;
    if (nr == TILE_NR && bcs == 1) {
      for (int k = 0; k < kc; k++) {
        const float* s = src + k * brs;
        wasm_v128_store(out, wasm_v128_load(s));
        wasm_v128_store(out + 4, wasm_v128_load(s + 4));
        out += TILE_NR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      int j = 0;
      for (; j < nr; j++) out[j] = src[k * brs + j * bcs];
      for (; j < TILE_NR; j++) out[j] = 0.0f;
      out += TILE_NR;
    }
  }
}

// A tile row's two accumulators with bias (NR values, or null) added and relu applied.
// ReLU is x < 0 ? 0 : x, as gemm's: NaN stays NaN, -0 stays -0. That is f32x4.pmax(x, 0), one
// maxps under V8; f32x4.max's rules for NaN and signed zeros cost it several instructions.
static inline void tile_epilogue(v128_t* x0, v128_t* x1, const float* bias, int relu) {
  if (bias) {
    *x0 = wasm_f32x4_add(*x0, wasm_v128_load(bias));
    *x1 = wasm_f32x4_add(*x1, wasm_v128_load(bias + 4));
  }
  if (relu) {
    *x0 = wasm_f32x4_pmax(*x0, wasm_f32x4_splat(0.0f));
    *x1 = wasm_f32x4_pmax(*x1, wasm_f32x4_splat(0.0f));
  }
}

// Writes (add = 0) or adds (add = 1) an MR x NR accumulator tile into the rows at rows[r],
// only the first mr rows and nr columns; bias and relu on the way (tile_epilogue).
static void store_rows(v128_t acc[TILE_MR][2], float* const* rows, int mr, int nr,
                       const float* bias, int relu, int add) {
  float tile[TILE_MR * TILE_NR];
  for (int r = 0; r < TILE_MR; r++) {
    v128_t x0 = acc[r][0], x1 = acc[r][1];
    tile_epilogue(&x0, &x1, bias, relu);
    if (r < mr && nr == TILE_NR) {
      float* o = rows[r];
      if (add) {
        x0 = wasm_f32x4_add(x0, wasm_v128_load(o));
        x1 = wasm_f32x4_add(x1, wasm_v128_load(o + 4));
      }
      wasm_v128_store(o, x0);
      wasm_v128_store(o + 4, x1);
    }
    wasm_v128_store(tile + r * TILE_NR, x0);
    wasm_v128_store(tile + r * TILE_NR + 4, x1);
  }
  if (nr == TILE_NR) return;
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) {
      const float v = tile[r * TILE_NR + j];
      rows[r][j] = add ? rows[r][j] + v : v;
    }
}

// The same into c, rows ldc floats apart.
static void store_tile(v128_t acc[TILE_MR][2], float* c, int ldc, int mr, int nr,
                       const float* bias, int relu, int add) {
  float* const rows[TILE_MR] = {c, c + ldc, c + 2 * ldc, c + 3 * ldc};
  store_rows(acc, rows, mr, nr, bias, relu, add);
}

EXPORT int scratch_floats(void) { return SCRATCH_FLOATS; }

// ---------------------------------------------------------------------------------------
// Direct convolutions: no unfolded matrix and no packing of the input, so layers with few
// channels (16-32), where packing the unfolded input cost a quarter of the arithmetic, run
// at the micro-kernel's rate. Output pixel p = (n, oh, ow) reads, for tap (kh, kw), the C
// channels at x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw]; with dw == 1 the KW taps of one
// filter row are KW*C contiguous floats, so a pixel's unfolded row is KH contiguous
// segments. A pixel whose taps reach into the padding has its unfolded row gathered (with
// its zeros) into scratch instead; x is never copied.

// Convolution geometry, NHWC input x [N, H, W, C] with padding pt (top) and pl (left)
// implicit, output pixels [N, OH, OW].
typedef struct {
  int N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl;
} conv_geom;

// Offsets in x of the first taps of pixels p0 .. p0+pn-1 (base[i]; -1 for a pixel with a
// tap outside x, in the padding), walking (n, oh, ow) along instead of
// dividing per pixel: a block's classification costs a few operations a pixel.
static void inside_bases(const conv_geom* g, int p0, int pn, int* base) {
  const int opix = g->OH * g->OW;
  int n = p0 / opix, oh = (p0 % opix) / g->OW, ow = p0 % g->OW;
  const int hmax = g->H - (g->KH - 1) * g->dh, wmax = g->W - (g->KW - 1) * g->dw;
  for (int i = 0; i < pn; i++) {
    const int h0 = oh * g->sh - g->pt, w0 = ow * g->sw - g->pl;
    base[i] = h0 < 0 || h0 >= hmax || w0 < 0 || w0 >= wmax ? -1 : ((n * g->H + h0) * g->W + w0) * g->C;
    if (++ow == g->OW) {
      ow = 0;
      if (++oh == g->OH) oh = 0, n++;
    }
  }
}

// Pixels per block of the direct forward convolution (their output rows live on the stack).
#define DIRECT_PB 64

// Writes pixel p's unfolded row (R = KH*KW*C values, tap-major, zeros where a tap falls in
// the padding) to out: the input a border pixel's register tile reads.
static void gather_row(const float* x, const conv_geom* g, int p, float* out) {
  const int opix = g->OH * g->OW;
  const int n = p / opix, oh = (p % opix) / g->OW, ow = p % g->OW;
  const float* img = x + n * g->H * g->W * g->C;
  for (int kh = 0; kh < g->KH; kh++) {
    const int h = oh * g->sh - g->pt + kh * g->dh;
    for (int kw = 0; kw < g->KW; kw++, out += g->C) {
      const int w = ow * g->sw - g->pl + kw * g->dw;
      if (h < 0 || h >= g->H || w < 0 || w >= g->W) zero(out, g->C);
      else copy(out, img + (h * g->W + w) * g->C, g->C);
    }
  }
}

// acc (4 rows x 8 columns) += the n-long rows x0..x3 (one value each per step, broadcast)
// times the n rows of 8 at bp: the direct kernels' inner loop, 8 multiply-adds per step.
static inline void dot_4x8(v128_t acc[TILE_MR][2], const float* x0, const float* x1,
                           const float* x2, const float* x3, const float* bp, int n) {
  v128_t a00 = acc[0][0], a01 = acc[0][1], a10 = acc[1][0], a11 = acc[1][1];
  v128_t a20 = acc[2][0], a21 = acc[2][1], a30 = acc[3][0], a31 = acc[3][1];
  for (int k = 0; k < n; k++, bp += TILE_NR) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t a = wasm_v128_load32_splat(x0 + k);
    a00 = MADD(a, b0, a00);
    a01 = MADD(a, b1, a01);
    a = wasm_v128_load32_splat(x1 + k);
    a10 = MADD(a, b0, a10);
    a11 = MADD(a, b1, a11);
    a = wasm_v128_load32_splat(x2 + k);
    a20 = MADD(a, b0, a20);
    a21 = MADD(a, b1, a21);
    a = wasm_v128_load32_splat(x3 + k);
    a30 = MADD(a, b0, a30);
    a31 = MADD(a, b1, a31);
  }
  acc[0][0] = a00, acc[0][1] = a01, acc[1][0] = a10, acc[1][1] = a11;
  acc[2][0] = a20, acc[2][1] = a21, acc[3][0] = a30, acc[3][1] = a31;
}

// Output columns [c0, c1) whose taps reach the same filter columns, kw in [lo, hi] (empty
// when lo > hi): conv_direct's unit of work. Padding on the left and right leaves a few
// such edge columns; all the others form one class with every tap inside x.
typedef struct {
  int c0, c1, lo, hi;
} column_class;

// The filter columns output column ow reaches inside x: [*lo, *hi].
static void column_taps(const conv_geom* g, int ow, int* lo, int* hi) {
  const int w0 = ow * g->sw - g->pl;
  int a = 0, b = g->KW - 1;
  while (a <= b && w0 + a * g->dw < 0) a++;
  while (b >= a && w0 + b * g->dw >= g->W) b--;
  *lo = a, *hi = b;
}

// Walks pixels t0 .. t0+pn-1 of class k, in the order (oh, n, then the class's columns), so
// that the four pixels of a tile share their output row and hence which filter rows fall in
// the padding; fills each pixel's output row (yrow[i]) and where each of its segments
// starts (table[i * nseg + s]): in x, or at `zeros` for a filter row above or below x and,
// with dw > 1 (one segment a tap), for a tap outside [lo, hi]. Segments start at tap lo.
static void class_block(const float* x, const conv_geom* g, const column_class* k, int t0,
                        int pn, int whole_rows, const float* zeros, const float** table,
                        float* y, int Co, float** yrow) {
  const int w = k->c1 - k->c0, nseg = whole_rows ? g->KH : g->KH * g->KW;
  int ow = k->c0 + t0 % w, n = (t0 / w) % g->N, oh = t0 / w / g->N;
  for (int i = 0; i < pn; i++) {
    yrow[i] = y + ((n * g->OH + oh) * g->OW + ow) * Co;
    const float* img = x + n * g->H * g->W * g->C;
    const int hb = oh * g->sh - g->pt, wb = ow * g->sw - g->pl;
    for (int s = 0; s < nseg; s++) {
      const int kh = whole_rows ? s : s / g->KW, kw = whole_rows ? k->lo : s % g->KW;
      const int h = hb + kh * g->dh;
      const int inside = h >= 0 && h < g->H && k->lo <= kw && kw <= k->hi;
      table[i * nseg + s] = inside ? img + (h * g->W + wb + kw * g->dw) * g->C : zeros;
    }
    if (++ow == k->c1) {
      ow = k->c0;
      if (++n == g->N) n = 0, oh++;
    }
  }
}

// store_rows for a whole tile written (not added), inline: store_rows is a call (clang keeps
// it out of line), so the accumulators and row pointers go through the stack to it. Worth
// about 4% on a few-tap tile, 1% on the CNN's 3 x 3 x 32 ones (engine-ab, 0.96-1.00).
static inline void store_whole(v128_t acc[TILE_MR][2], float* const* rows, int j0,
                               const float* bias, int relu) {
  for (int r = 0; r < TILE_MR; r++) {
    v128_t x0 = acc[r][0], x1 = acc[r][1];
    tile_epilogue(&x0, &x1, bias, relu);
    wasm_v128_store(rows[r] + j0, x0);
    wasm_v128_store(rows[r] + j0 + 4, x1);
  }
}

// One 4 x 8 tile of conv_direct: pixels i..i+3 of the block (table rows of nseg segments,
// each n floats long, seg floats apart in the filter) against the panel at bq, stored in
// columns j0 .. j0+nr-1 of their output rows.
static inline void direct_tile(const float** table, float** yrow, int i, int pn, int nseg,
                               int seg, int n, const float* zeros, const float* bq, int j0,
                               int nr, const float* bias8, int relu) {
  const int mr = pn - i < TILE_MR ? pn - i : TILE_MR;
  // Rows past mr repeat the last pixel (their sums are not stored).
  const float** t0 = table + i * nseg;
  const float** t1 = table + (i + (mr > 1 ? 1 : 0)) * nseg;
  const float** t2 = table + (i + (mr > 2 ? 2 : 0)) * nseg;
  const float** t3 = table + (i + (mr > 3 ? 3 : 0)) * nseg;
  v128_t acc[TILE_MR][2];
  for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  const float* bp = bq;
  // A segment in the padding for all four adds nothing: skipped (the input gradient's
  // convolution of dy padded by KH-1 has many).
  for (int s = 0; s < nseg; s++, bp += seg * TILE_NR)
    if (t0[s] != zeros || t1[s] != zeros || t2[s] != zeros || t3[s] != zeros)
      dot_4x8(acc, t0[s], t1[s], t2[s], t3[s], bp, n);
  float* rows[TILE_MR];
  for (int r = 0; r < TILE_MR; r++) rows[r] = yrow[i + (r < mr ? r : 0)] + j0;
  if (mr == TILE_MR && nr == TILE_NR) store_whole(acc, rows, 0, bias8, relu);
  else store_rows(acc, rows, mr, nr, bias8, relu, 0);
}

// Packed filters up to this many floats (16 KiB) stay in L1 across a pixel tile's panels.
#define DIRECT_SMALL_W 4096

// Runs the pixels of class k through conv_direct's tiles, a block at a time.
static void direct_class(const float* x, const conv_geom* g, const column_class* k,
                         const float* wpack, const float* bias, float* y, int Co, int relu,
                         const float* zeros, const float** table) {
  const int R = g->KH * g->KW * g->C, whole_rows = g->dw == 1;
  const int nseg = whole_rows ? g->KH : g->KH * g->KW, seg = whole_rows ? g->KW * g->C : g->C;
  // A segment's length, and where its first tap sits in the packed filter.
  const int taps = k->hi >= k->lo ? k->hi - k->lo + 1 : 0;
  const int n = whole_rows ? taps * g->C : g->C, first = whole_rows ? k->lo * g->C : 0;
  const int count = g->OH * g->N * (k->c1 - k->c0);
  const int panels = (Co + TILE_NR - 1) / TILE_NR;
  const int pixel_outer = R * panels * TILE_NR <= DIRECT_SMALL_W;
  // Panels a pixel tile runs through before the next tile, and their bias, NR values a
  // panel with zeros past Co.
  const int group = pixel_outer ? panels : 1;
  float bias8[DIRECT_SMALL_W / TILE_NR];
  float* yrow[DIRECT_PB];
  for (int t0 = 0; t0 < count; t0 += DIRECT_PB) {
    const int pn = count - t0 < DIRECT_PB ? count - t0 : DIRECT_PB;
    class_block(x, g, k, t0, pn, whole_rows, zeros, table, y, Co, yrow);
    for (int q = 0; q < panels; q += group) {
      for (int j = 0; j < group * TILE_NR; j++)
        bias8[j] = bias && q * TILE_NR + j < Co ? bias[q * TILE_NR + j] : 0.0f;
      for (int i = 0; i < pn; i += TILE_MR) {
        for (int u = q; u < q + group; u++) {
          const int j0 = u * TILE_NR, nr = Co - j0 < TILE_NR ? Co - j0 : TILE_NR;
          direct_tile(table, yrow, i, pn, nseg, seg, n, zeros,
                      wpack + (u * R + first) * TILE_NR, j0, nr,
                      bias ? bias8 + (u - q) * TILE_NR : 0, relu);
        }
      }
    }
  }
}

// Filters of at most this many taps (KH*KW*C: a first layer on one to three channels) go
// through conv_small_r.
#define SMALL_R 32

// Output pixel p of conv_small_r on its own, from its taps inside x only (tap by tap, C
// floats each, all four tile rows on the pixel, the first stored): a tile with a pixel in
// the padding when the filter has a value that is not finite. No product with the padding's
// zeros, whose 0 * inf would be NaN where the sum without them is finite.
static void small_r_edge(const float* x, const conv_geom* g, int p, const float* wpack,
                         const float* bias, float* y, int Co, int relu) {
  const int R = g->KH * g->KW * g->C, opix = g->OH * g->OW, panels = (Co + TILE_NR - 1) / TILE_NR;
  const int n = p / opix, oh = (p % opix) / g->OW, ow = p % g->OW;
  const float* img = x + n * g->H * g->W * g->C;
  float bias8[TILE_NR];
  for (int q = 0; q < panels; q++) {
    const int j0 = q * TILE_NR, nr = Co - j0 < TILE_NR ? Co - j0 : TILE_NR;
    for (int j = 0; j < TILE_NR; j++) bias8[j] = bias && j < nr ? bias[j0 + j] : 0.0f;
    v128_t acc[TILE_MR][2];
    for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
    for (int kh = 0; kh < g->KH; kh++) {
      const int h = oh * g->sh - g->pt + kh * g->dh;
      if (h < 0 || h >= g->H) continue;
      for (int kw = 0; kw < g->KW; kw++) {
        const int w = ow * g->sw - g->pl + kw * g->dw;
        if (w < 0 || w >= g->W) continue;
        const float* s = img + (h * g->W + w) * g->C;
        dot_4x8(acc, s, s, s, s, wpack + (q * R + (kh * g->KW + kw) * g->C) * TILE_NR, g->C);
      }
    }
    float* const out[TILE_MR] = {y + p * Co + j0, 0, 0, 0};
    store_rows(acc, out, 1, nr, bias ? bias8 : 0, relu, 0);
  }
}

// conv_direct with few taps (R <= SMALL_R), pixels in order, 4 x 8 tiles whose result goes
// straight to y's rows: a tile of four pixels inside x reads its KH segments of KW*C floats
// in x (dilation 1 across); any other goes pixel by pixel (small_r_edge). With padding and a
// finite filter it is given a zero-padded copy of x (small_r_padded), so every tile is
// inside. With so few multiply-adds a tile (R * 8), conv_direct's segment table and
// its store through a call took 2.7x the arithmetic's time on a 3 x 3 filter over one
// channel. Same sums in the same order as conv_direct's.
static void conv_small_r(const float* x, const conv_geom* g, const float* wpack,
                         const float* bias, float* y, int Co, int relu) {
  const int R = g->KH * g->KW * g->C, P = g->N * g->OH * g->OW;
  const int panels = (Co + TILE_NR - 1) / TILE_NR, seg = g->KW * g->C;
  const int rowstep = g->dh * g->W * g->C;
  float bias8[TILE_NR];
  int base[DIRECT_PB];
  for (int p0 = 0; p0 < P; p0 += DIRECT_PB) {
    const int pn = P - p0 < DIRECT_PB ? P - p0 : DIRECT_PB;
    inside_bases(g, p0, pn, base);
    for (int i = 0; i < pn; i += TILE_MR) {
      const int mr = pn - i < TILE_MR ? pn - i : TILE_MR;
      const int i1 = i + (mr > 1), i2 = i + (mr > 2 ? 2 : 0), i3 = i + (mr > 3 ? 3 : 0);
      if (g->dw != 1 || base[i] < 0 || base[i1] < 0 || base[i2] < 0 || base[i3] < 0) {
        for (int r = 0; r < mr; r++) small_r_edge(x, g, p0 + i + r, wpack, bias, y, Co, relu);
        continue;
      }
      const float *x0 = x + base[i], *x1 = x + base[i1], *x2 = x + base[i2], *x3 = x + base[i3];
      float* const rows[TILE_MR] = {y + (p0 + i) * Co, y + (p0 + i1) * Co, y + (p0 + i2) * Co,
                                    y + (p0 + i3) * Co};
      for (int q = 0; q < panels; q++) {
        const int j0 = q * TILE_NR, nr = Co - j0 < TILE_NR ? Co - j0 : TILE_NR;
        for (int j = 0; j < TILE_NR; j++) bias8[j] = bias && j < nr ? bias[j0 + j] : 0.0f;
        v128_t acc[TILE_MR][2];
        for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
        const float* bp = wpack + q * R * TILE_NR;
        for (int kh = 0, o = 0; kh < g->KH; kh++, o += rowstep, bp += seg * TILE_NR)
          dot_4x8(acc, x0 + o, x1 + o, x2 + o, x3 + o, bp, seg);
        if (mr == TILE_MR && nr == TILE_NR) {
          store_whole(acc, rows, j0, bias ? bias8 : 0, relu);
          continue;
        }
        float* const out[TILE_MR] = {rows[0] + j0, rows[1] + j0, rows[2] + j0, rows[3] + j0};
        store_rows(acc, out, mr, nr, bias ? bias8 : 0, relu, 0);
      }
    }
  }
}

// Rows and columns of x's zero-padded copy for conv_small_r: every tap of every output
// pixel inside it, the padding before included.
static int padded_extent(int in, int out, int s, int d, int k, int before) {
  const int need = (out - 1) * s + (k - 1) * d + 1;
  return need > in + before ? need : in + before;
}

// Floats of conv_small_r's padded copy of x (0: none needed, more taps or no padding).
static int small_r_padded_floats(int N, int H, int W, int C, int KH, int KW, int OH, int OW,
                                 int sh, int sw, int dh, int dw, int pt, int pl) {
  if (KH * KW * C > SMALL_R) return 0;
  const int Hp = padded_extent(H, OH, sh, dh, KH, pt), Wp = padded_extent(W, OW, sw, dw, KW, pl);
  if (pt == 0 && pl == 0 && Hp == H && Wp == W) return 0;
  return N * Hp * Wp * C;
}

// conv_small_r on a zero-padded copy of x at xp (small_r_padded_floats floats) when the
// filter is finite, so that every tile reads its pixels in place: the border's tiles, a
// third of a 28 x 28 'same' layer's, took 1.45x the whole layer's time gathered row by row.
// The copy is x's size (a first layer's C <= SMALL_R / (KH*KW) channels). Products with the
// padding's zeros change at most the sign of a zero sum; with a weight not finite (0 * inf
// is NaN) the border goes pixel by pixel over the taps inside x instead.
static void small_r_padded(const float* x, const conv_geom* g, const float* w,
                           const float* wpack, const float* bias, float* y, int Co, int relu,
                           float* xp) {
  const int R = g->KH * g->KW * g->C;
  int finite = 1;
  for (int i = 0; i < R * Co; i++) finite &= w[i] - w[i] == 0.0f;
  const int Hp = padded_extent(g->H, g->OH, g->sh, g->dh, g->KH, g->pt);
  const int Wp = padded_extent(g->W, g->OW, g->sw, g->dw, g->KW, g->pl);
  const int copied = small_r_padded_floats(g->N, g->H, g->W, g->C, g->KH, g->KW, g->OH, g->OW,
                                           g->sh, g->sw, g->dh, g->dw, g->pt, g->pl);
  if (!finite || !copied) {
    conv_small_r(x, g, wpack, bias, y, Co, relu);
    return;
  }
  const int C = g->C, row = g->W * C;
  zero(xp, copied);
  for (int n = 0; n < g->N; n++)
    for (int h = 0; h < g->H; h++)
      copy(xp + ((n * Hp + h + g->pt) * Wp + g->pl) * C, x + (n * g->H + h) * row, row);
  conv_geom gp = *g;
  gp.H = Hp, gp.W = Wp, gp.pt = 0, gp.pl = 0;
  conv_small_r(xp, &gp, wpack, bias, y, Co, relu);
}

// ---------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) for 3 x 3 convolutions at stride and dilation 1 with at least
// WINO_MIN_C channels in and out (the CNN's and the ResNet's big layers, forward and the
// stride-1 input gradient): a 2 x 2 output tile is A^T [(G w G^T) . (B^T d B)] A over its
// 4 x 4 input patch d, so the products are 16 per tile and channel pair instead of 36
// (Lavin & Gray, 2016). The 16 element-wise products summed over the channels are 16
// independent products [tiles, C] x [C, Co], on the direct kernels' 4 x 8 tile. The
// transforms' constants are 0, +-1 and +-1/2, so the result differs from the direct sum by
// a few roundings of the transformed values (the tests hold it to the direct sum's own
// error bound; the grids' tolerance is 1e-4). Non-finite values do not follow the direct sum's rules (inf
// times a transform's 0 is NaN), so a call whose outputs are not all finite is recomputed
// by the direct kernel: every non-finite input or weight reaches some output.
#define WINO_MIN_C 8

// A block's 16 matrices (transformed inputs, products, transformed dy) hold WINO_MAT floats
// each and sit WINO_STRIDE apart: a constant, so a tile's 16 values are a fixed distance
// apart (with a stride that depends on C each was a pointer of its own, spilled), and a
// cache line past 8 KiB, so that they do not share an L1 set (at a multiple of 4 KiB the
// 16 streams thrashed one set: the CNN's forward took 1.3x as long).
#define WINO_MAT 2048
#define WINO_STRIDE (WINO_MAT + 16)

// Tiles per block: as many as the wider of C and Co's panels leaves in a matrix, a
// multiple of 4 (the products' tile rows).
static inline int wino_block(int C, int Co) {
  const int Copad = (Co + TILE_NR - 1) / TILE_NR * TILE_NR;
  return (WINO_MAT / (C > Copad ? C : Copad)) & ~3;
}

// A grid one pixel wide would waste half of every 2 x 2 tile or more: 16 products for one or
// two outputs, where the direct sum does 9 each (a 1 x 1 grid ran 2.5x slower).
static int winograd_applies(const conv_geom* g, int Co) {
  return g->KH == 3 && g->KW == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
         g->C >= WINO_MIN_C && g->C % 4 == 0 && Co >= WINO_MIN_C && wino_block(g->C, Co) >= 4 &&
         g->OH >= 2 && g->OW >= 2;
}

// u[xi][panel][r][NR] = (G w_ro G^T)[xi] for every reduced channel r < R and output channel
// o < O, zeros past O; xi = 4 * row + col. w_ro's taps are w[t * R * O + r * rs + o * os]:
// (rs, os) = (O, 1) for the forward's [3, 3, C, Co], (1, R) for the transposed input
// gradient's, which reduces over Co.
static void winograd_filter(const float* w, int R, int O, int rs, int os, float* u) {
  const int panels = (O + TILE_NR - 1) / TILE_NR, taps = R * O;
  zero(u, 16 * R * panels * TILE_NR);
  for (int r = 0; r < R; r++)
    for (int co = 0; co < O; co++) {
      const float* wr = w + r * rs + co * os;
      float t[4][3];
      for (int j = 0; j < 3; j++) {
        const float g0 = wr[j * taps], g1 = wr[(3 + j) * taps], g2 = wr[(6 + j) * taps];
        t[0][j] = g0, t[1][j] = 0.5f * (g0 + g1 + g2), t[2][j] = 0.5f * (g0 - g1 + g2);
        t[3][j] = g2;
      }
      float* o = u + ((co / TILE_NR) * R + r) * TILE_NR + co % TILE_NR;
      const int xi_stride = panels * R * TILE_NR;
      for (int i = 0; i < 4; i++) {
        o[(4 * i) * xi_stride] = t[i][0];
        o[(4 * i + 1) * xi_stride] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        o[(4 * i + 2) * xi_stride] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        o[(4 * i + 3) * xi_stride] = t[i][2];
      }
    }
}

// A tile of the output grid, m x m pixels (m = 2 or 4): its image and top-left output pixel.
// The transforms walk the block's tiles with wino_next from wino_at (divisions once a block,
// not once a tile: with 16 channels a tile's divisions cost about what its transform does).
typedef struct {
  int n, oh, ow;
} wino_pos;

static inline wino_pos wino_at(const conv_geom* g, int tile, int m) {
  const int TH = (g->OH + m - 1) / m, TW = (g->OW + m - 1) / m;
  const wino_pos p = {tile / (TH * TW), m * ((tile / TW) % TH), m * (tile % TW)};
  return p;
}

static inline void wino_next(const conv_geom* g, wino_pos* p, int m) {
  if ((p->ow += m) < g->OW) return;
  p->ow = 0;
  if ((p->oh += m) < g->OH) return;
  p->oh = 0, p->n++;
}

// v[xi][t][c] = (B^T d B)[xi] of tiles t0 .. t0+tn-1's 4 x 4 input patches (zeros outside x),
// four channels at a time. Rows of B^T: (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1).
static void winograd_input(const float* x, const conv_geom* g, int t0, int tn, const float* zeros,
                           float* v) {
  const int C = g->C, xs = WINO_STRIDE;
  int offset[16];
  for (int k = 0; k < 16; k++) offset[k] = ((k / 4) * g->W + k % 4) * C;
  wino_pos at = wino_at(g, t0, 2);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 2)) {
    const int h0 = at.oh - g->pt, w0 = at.ow - g->pl;
    // The patch's top-left corner in x (an index: it lies before x for a tile in the top
    // or left padding).
    const int corner = ((at.n * g->H + h0) * g->W + w0) * C;
    const float* p[16];
    if (h0 >= 0 && h0 + 4 <= g->H && w0 >= 0 && w0 + 4 <= g->W) {
      for (int k = 0; k < 16; k++) p[k] = x + (corner + offset[k]);
    } else {
      for (int k = 0; k < 16; k++) {
        const int h = h0 + k / 4, w = w0 + k % 4;
        p[k] = h >= 0 && h < g->H && w >= 0 && w < g->W ? x + (corner + offset[k]) : zeros;
      }
    }
    float* o = v + t * C;
    for (int c = 0; c < C; c += 4) {
      v128_t r[4][4];
      for (int j = 0; j < 4; j++) {
        const v128_t d0 = wasm_v128_load(p[j] + c), d1 = wasm_v128_load(p[4 + j] + c);
        const v128_t d2 = wasm_v128_load(p[8 + j] + c), d3 = wasm_v128_load(p[12 + j] + c);
        r[0][j] = wasm_f32x4_sub(d0, d2), r[1][j] = wasm_f32x4_add(d1, d2);
        r[2][j] = wasm_f32x4_sub(d2, d1), r[3][j] = wasm_f32x4_sub(d1, d3);
      }
      for (int i = 0; i < 4; i++) {
        float* oi = o + 4 * i * xs + c;
        wasm_v128_store(oi, wasm_f32x4_sub(r[i][0], r[i][2]));
        wasm_v128_store(oi + xs, wasm_f32x4_add(r[i][1], r[i][2]));
        wasm_v128_store(oi + 2 * xs, wasm_f32x4_sub(r[i][2], r[i][1]));
        wasm_v128_store(oi + 3 * xs, wasm_f32x4_sub(r[i][1], r[i][3]));
      }
    }
  }
}

// m[xi][t][Copad] = v[xi][t][:] x u[xi] for the block's tiles and xi < count (16 or 36), 4 x 8
// tiles (rows past tn are computed from stale v and never read).
static void winograd_products(const float* v, const float* u, int tn, int C, int panels,
                              int count, float* m) {
  const int Copad = panels * TILE_NR, vs = WINO_STRIDE, ms = WINO_STRIDE;
  for (int xi = 0; xi < count; xi++)
    for (int q = 0; q < panels; q++) {
      const float* bp = u + (xi * panels + q) * C * TILE_NR;
      for (int i = 0; i < tn; i += TILE_MR) {
        const float* x0 = v + xi * vs + i * C;
        v128_t acc[TILE_MR][2];
        for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
        dot_4x8(acc, x0, x0 + C, x0 + 2 * C, x0 + 3 * C, bp, C);
        float* rows[TILE_MR];
        for (int r = 0; r < TILE_MR; r++) rows[r] = m + xi * ms + (i + r) * Copad;
        store_whole(acc, rows, q * TILE_NR, 0, 0);
      }
    }
}

// All ones in the lanes of v that are not finite (inf - inf and NaN - NaN are NaN).
static inline v128_t not_finite(v128_t v) {
  return wasm_f32x4_ne(wasm_f32x4_sub(v, v), wasm_f32x4_splat(0.0f));
}

// Stores v's first n lanes (n >= 4: all of them) at o.
static inline void store_lanes(float* o, v128_t v, int n) {
  if (n >= 4) {
    wasm_v128_store(o, v);
    return;
  }
  float lanes[4];
  wasm_v128_store(lanes, v);
  for (int i = 0; i < n; i++) o[i] = lanes[i];
}

// y's 2 x 2 tiles from m: A^T m A, rows of A^T (1 1 1 0), (0 1 -1 -1); + bias, relu; pixels
// past OH or OW dropped, channels past Co not stored. Returns 0 if a sum is not finite.
static int winograd_output(const float* m, const conv_geom* g, int t0, int tn, int Co,
                           int Copad, const float* bias4, int relu, float* y) {
  const int ms = WINO_STRIDE;
  v128_t bad = wasm_i32x4_splat(0);
  wino_pos at = wino_at(g, t0, 2);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 2)) {
    float* out[4];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) {
        const int inside = at.oh + i < g->OH && at.ow + j < g->OW;
        out[2 * i + j] = inside ? y + ((at.n * g->OH + at.oh + i) * g->OW + at.ow + j) * Co : 0;
      }
    const float* mt = m + t * Copad;
    for (int co = 0; co < Co; co += 4) {
      v128_t s[2][4];
      for (int j = 0; j < 4; j++) {
        const v128_t m0 = wasm_v128_load(mt + j * ms + co), m1 = wasm_v128_load(mt + (4 + j) * ms + co);
        const v128_t m2 = wasm_v128_load(mt + (8 + j) * ms + co);
        const v128_t m3 = wasm_v128_load(mt + (12 + j) * ms + co);
        s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
        s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
      }
      v128_t r[4];
      for (int i = 0; i < 2; i++) {
        r[2 * i] = wasm_f32x4_add(wasm_f32x4_add(s[i][0], s[i][1]), s[i][2]);
        r[2 * i + 1] = wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3]);
      }
      for (int k = 0; k < 4; k++) {
        bad = wasm_v128_or(bad, not_finite(r[k]));
        if (bias4) r[k] = wasm_f32x4_add(r[k], wasm_v128_load(bias4 + co));
        if (relu) r[k] = wasm_f32x4_pmax(r[k], wasm_f32x4_splat(0.0f));
        if (out[k]) store_lanes(out[k] + co, r[k], Co - co);
      }
    }
  }
  return !wasm_v128_any_true(bad);
}

// F(4x4, 3x3) for conv_direct (Lavin & Gray's points 0, +-1, +-2 and infinity): a 4 x 4 output
// tile from its 6 x 6 input patch in 36 products per channel pair, where F(2x2, 3x3) takes 64
// for the same 16 outputs. Its transforms' constants reach 5 (B^T) and 8 (A^T) and G's are
// sixths, so the transformed values are larger and each carries a rounding of its own: the
// result is further from the direct sum than F(2x2, 3x3)'s, still within the direct sum's own
// error bound in the tests. wino_m takes it where its products are fewer for the grid:
// F(2x2, 3x3) covers a 2 x 2 grid with 16 and a 6 x 6 one with 144, as F(4x4, 3x3) does
// (wino_tile, on the output grid: dy's, for the gradients too).
static int wino_tile(const conv_geom* g) {
  const int f2 = ((g->OH + 1) / 2) * ((g->OW + 1) / 2) * 16;
  const int f4 = ((g->OH + 3) / 4) * ((g->OW + 3) / 4) * 36;
  return f4 < f2 ? 4 : 2;
}

static int wino_m(const conv_geom* g, int Co) { return winograd_applies(g, Co) ? wino_tile(g) : 0; }

// (G g) of filter columns (a, b, c), four at a time; rows of G: (1/4 0 0), (-1/6 -1/6 -1/6),
// (-1/6 1/6 -1/6), (1/24 1/12 1/6), (1/24 -1/12 1/6), (0 0 1). Products with the fractions'
// float values, not divisions, on four filter pairs at once: a layer of 512 channels a side
// has 262,144 pairs, and one at a time with divisions this transform made most of a small
// batch's call.
static inline void g6(v128_t a, v128_t b, v128_t c, v128_t o[6]) {
  const v128_t ac = wasm_f32x4_add(a, c), sixth = wasm_f32x4_splat(1.0f / 6.0f);
  o[0] = wasm_f32x4_mul(a, wasm_f32x4_splat(0.25f));
  o[1] = wasm_f32x4_mul(wasm_f32x4_neg(wasm_f32x4_add(ac, b)), sixth);
  o[2] = wasm_f32x4_mul(wasm_f32x4_neg(wasm_f32x4_sub(ac, b)), sixth);
  const v128_t outer = wasm_f32x4_add(wasm_f32x4_mul(a, wasm_f32x4_splat(1.0f / 24.0f)),
                                      wasm_f32x4_mul(c, sixth));
  const v128_t middle = wasm_f32x4_mul(b, wasm_f32x4_splat(1.0f / 12.0f));
  o[3] = wasm_f32x4_add(outer, middle);
  o[4] = wasm_f32x4_sub(outer, middle);
  o[5] = c;
}

// n (1 to 4) consecutive floats at p, zeros in the other lanes.
static inline v128_t load_lanes(const float* p, int n) {
  if (n >= 4) return wasm_v128_load(p);
  float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < n; i++) lanes[i] = p[i];
  return wasm_v128_load(lanes);
}

// u[xi][panel][r][NR] = (G w_ro G^T)[xi] for every reduced channel r < R and output channel
// o < O, zeros past O; xi = 6 * row + col; w_ro as winograd_filter reads it. Four pairs at a
// time along whichever of r and o is consecutive in w: o for the forward's filter (then a
// group's four values are consecutive in u too), r for the transposed input gradient's.
static void winograd4_filter(const float* w, int R, int O, int rs, int os, float* u) {
  const int panels = (O + TILE_NR - 1) / TILE_NR, taps = R * O;
  const int xi_stride = panels * R * TILE_NR, along_o = os == 1;
  const int outer = along_o ? R : O, inner = along_o ? O : R;
  zero(u, 36 * xi_stride);
  for (int i0 = 0; i0 < outer; i0++)
    for (int j0 = 0; j0 < inner; j0 += 4) {
      const int n = inner - j0 < 4 ? inner - j0 : 4;
      const int r = along_o ? i0 : j0, co = along_o ? j0 : i0;
      const float* wc = w + r * rs + co * os;
      v128_t t[6][3];
      for (int j = 0; j < 3; j++) {
        v128_t col[6];
        g6(load_lanes(wc + j * taps, n), load_lanes(wc + (3 + j) * taps, n),
           load_lanes(wc + (6 + j) * taps, n), col);
        for (int i = 0; i < 6; i++) t[i][j] = col[i];
      }
      float* o = u + ((co / TILE_NR) * R + r) * TILE_NR + co % TILE_NR;
      for (int i = 0; i < 6; i++) {
        v128_t row[6];
        g6(t[i][0], t[i][1], t[i][2], row);
        for (int k = 0; k < 6; k++) {
          float* ok = o + (6 * i + k) * xi_stride;
          if (along_o) {
            store_lanes(ok, row[k], n);
            continue;
          }
          float lanes[4];
          wasm_v128_store(lanes, row[k]);
          for (int l = 0; l < n; l++) ok[l * TILE_NR] = lanes[l];
        }
      }
    }
}

// B^T d of six values; rows of B^T: (4 0 -5 0 1 0), (0 -4 -4 1 1 0), (0 4 -4 -1 1 0),
// (0 -2 -1 2 1 0), (0 2 -1 -2 1 0), (0 4 0 -5 0 1).
static inline void bt6(const v128_t d[6], v128_t r[6]) {
  const v128_t two = wasm_f32x4_splat(2.0f), four = wasm_f32x4_splat(4.0f);
  const v128_t five = wasm_f32x4_splat(5.0f);
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d[0]), wasm_f32x4_mul(five, d[2])), d[4]);
  const v128_t s34 = wasm_f32x4_add(d[3], d[4]), s12 = wasm_f32x4_add(d[1], d[2]);
  r[1] = wasm_f32x4_sub(s34, wasm_f32x4_mul(four, s12));
  const v128_t d43 = wasm_f32x4_sub(d[4], d[3]), d12 = wasm_f32x4_sub(d[1], d[2]);
  r[2] = wasm_f32x4_add(d43, wasm_f32x4_mul(four, d12));
  const v128_t d42 = wasm_f32x4_sub(d[4], d[2]), d31 = wasm_f32x4_mul(two, wasm_f32x4_sub(d[3], d[1]));
  r[3] = wasm_f32x4_add(d42, d31);
  r[4] = wasm_f32x4_sub(d42, d31);
  r[5] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d[1]), wasm_f32x4_mul(five, d[3])), d[5]);
}

// v[xi][t][c] = (B^T d B)[xi] of tiles t0 .. t0+tn-1's 6 x 6 input patches (zeros outside x),
// four channels at a time.
static void winograd4_input(const float* x, const conv_geom* g, int t0, int tn, const float* zeros,
                            float* v) {
  const int C = g->C, xs = WINO_STRIDE;
  wino_pos at = wino_at(g, t0, 4);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 4)) {
    const int h0 = at.oh - g->pt, w0 = at.ow - g->pl;
    const float* p[36];
    for (int k = 0; k < 36; k++) {
      const int h = h0 + k / 6, w = w0 + k % 6;
      p[k] = h >= 0 && h < g->H && w >= 0 && w < g->W ? x + ((at.n * g->H + h) * g->W + w) * C
                                                      : zeros;
    }
    float* o = v + t * C;
    for (int c = 0; c < C; c += 4) {
      v128_t r[6][6];
      for (int j = 0; j < 6; j++) {
        v128_t d[6], col[6];
        for (int i = 0; i < 6; i++) d[i] = wasm_v128_load(p[6 * i + j] + c);
        bt6(d, col);
        for (int i = 0; i < 6; i++) r[i][j] = col[i];
      }
      for (int i = 0; i < 6; i++) {
        v128_t row[6];
        bt6(r[i], row);
        for (int k = 0; k < 6; k++) wasm_v128_store(o + (6 * i + k) * xs + c, row[k]);
      }
    }
  }
}

// A^T m of six values; rows of A^T: (1 1 1 1 1 0), (0 1 -1 2 -2 0), (0 1 1 4 4 0),
// (0 1 -1 8 -8 1).
static inline void at6(const v128_t m[6], v128_t o[4]) {
  const v128_t a = wasm_f32x4_add(m[1], m[2]), b = wasm_f32x4_sub(m[1], m[2]);
  const v128_t c = wasm_f32x4_add(m[3], m[4]), d = wasm_f32x4_sub(m[3], m[4]);
  o[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], a), c);
  o[1] = wasm_f32x4_add(b, wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d));
  o[2] = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), c));
  o[3] = wasm_f32x4_add(wasm_f32x4_add(b, wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d)), m[5]);
}

// y's 4 x 4 tiles from m: A^T m A + bias, relu; pixels past OH or OW dropped, channels past Co
// not stored. Returns 0 if a sum is not finite.
static int winograd4_output(const float* m, const conv_geom* g, int t0, int tn, int Co,
                            int Copad, const float* bias4, int relu, float* y) {
  const int ms = WINO_STRIDE;
  v128_t bad = wasm_i32x4_splat(0);
  wino_pos at = wino_at(g, t0, 4);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 4)) {
    float* out[16];
    for (int k = 0; k < 16; k++) {
      const int oh = at.oh + k / 4, ow = at.ow + k % 4;
      out[k] = oh < g->OH && ow < g->OW ? y + ((at.n * g->OH + oh) * g->OW + ow) * Co : 0;
    }
    const float* mt = m + t * Copad;
    for (int co = 0; co < Co; co += 4) {
      v128_t s[4][6];
      for (int j = 0; j < 6; j++) {
        v128_t col[6], o4[4];
        for (int i = 0; i < 6; i++) col[i] = wasm_v128_load(mt + (6 * i + j) * ms + co);
        at6(col, o4);
        for (int i = 0; i < 4; i++) s[i][j] = o4[i];
      }
      for (int i = 0; i < 4; i++) {
        v128_t r[4];
        at6(s[i], r);
        for (int k = 0; k < 4; k++) {
          bad = wasm_v128_or(bad, not_finite(r[k]));
          if (bias4) r[k] = wasm_f32x4_add(r[k], wasm_v128_load(bias4 + co));
          if (relu) r[k] = wasm_f32x4_pmax(r[k], wasm_f32x4_splat(0.0f));
          if (out[4 * i + k]) store_lanes(out[4 * i + k] + co, r[k], Co - co);
        }
      }
    }
  }
  return !wasm_v128_any_true(bad);
}

// Floats of conv_winograd's scratch for F(mt x mt, 3x3): a row of C zeros, the bias padded to
// Copad, and a block's matrices (16, or 36 for mt = 4) of transformed inputs and of products.
static int winograd_scratch_floats(int C, int Co, int mt) {
  const int Copad = (Co + TILE_NR - 1) / TILE_NR * TILE_NR;
  return C + Copad + 2 * (mt == 4 ? 36 : 16) * WINO_STRIDE;
}

// conv_direct's work by F(mt x mt, 3x3) (wino_m), u (16 or 36 * C * Copad floats) the
// transformed filter. Returns 0 (y to be recomputed) when some output sum was not finite.
static int conv_winograd(const float* x, const conv_geom* g, const float* w, const float* bias,
                         float* y, int Co, int relu, float* u, float* scratch, int mt) {
  const int C = g->C, panels = (Co + TILE_NR - 1) / TILE_NR, Copad = panels * TILE_NR;
  const int count = mt == 4 ? 36 : 16;
  float* zeros = scratch;
  float* bias4 = zeros + C;
  float* v = bias4 + Copad;
  float* m = v + count * WINO_STRIDE;
  const float* b = bias ? bias4 : 0;
  zero(zeros, C);
  for (int j = 0; j < Copad; j++) bias4[j] = bias && j < Co ? bias[j] : 0.0f;
  if (mt == 4)
    winograd4_filter(w, C, Co, Co, 1, u);
  else
    winograd_filter(w, C, Co, Co, 1, u);
  const int tiles = g->N * ((g->OH + mt - 1) / mt) * ((g->OW + mt - 1) / mt);
  const int tb = wino_block(C, Co);
  for (int t0 = 0; t0 < tiles; t0 += tb) {
    const int tn = tiles - t0 < tb ? tiles - t0 : tb;
    if (mt == 4)
      winograd4_input(x, g, t0, tn, zeros, v);
    else
      winograd_input(x, g, t0, tn, zeros, v);
    winograd_products(v, u, tn, C, panels, count, m);
    const int finite = mt == 4 ? winograd4_output(m, g, t0, tn, Co, Copad, b, relu, y)
                               : winograd_output(m, g, t0, tn, Co, Copad, b, relu, y);
    if (!finite) return 0;
  }
  return 1;
}

// y[P, Co] = conv(x, w) (+ bias, relu), x NHWC with the padding implicit. w [KH, KW, C, Co]
// is packed into NR-column panels in wpack (round_up(Co, NR) * R floats, caller's). 4 x 8
// tiles read their 4 pixels' segments (KW*C contiguous floats per filter row when dw == 1,
// else C per tap) in x itself: the output columns go by class (column_class), and a class's
// segments are trimmed to the taps inside x, so nothing is gathered and no product with the
// padding's zeros is computed, except for filter rows in the padding of some of a tile's
// pixels but not all. A block's tiles go panel by panel (a panel's filter rows stay in L1
// for all its pixels); when the whole packed filter fits in L1 (first layers, 16-channel
// stages), pixel tile by pixel tile instead, each through every panel, so a tile's segment
// pointers are loaded once, not once per panel. scratch: KW * C floats of zeros, then
// DIRECT_PB * nseg pointers; with R <= SMALL_R instead small_r_padded_floats floats for a
// zero-padded copy of x. bias: Co values or null.
EXPORT void conv_direct(const float* x, const float* w, const float* bias, float* y, int N,
                        int H, int W, int C, int KH, int KW, int OH, int OW, int sh, int sw,
                        int dh, int dw, int pt, int pl, int Co, int relu, float* wpack,
                        float* scratch) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int mt = wino_m(&g, Co);
  if (mt && conv_winograd(x, &g, w, bias, y, Co, relu, wpack, scratch, mt)) return;
  float* zeros = scratch;
  const float** table = (const float**)(zeros + KW * C);
  zero(zeros, KW * C);
  pack_b(w, Co, 1, KH * KW * C, Co, wpack);
  if (KH * KW * C <= SMALL_R) {
    small_r_padded(x, &g, w, wpack, bias, y, Co, relu, scratch);
    return;
  }
  for (int c0 = 0; c0 < OW;) {
    column_class k = {c0, c0 + 1, 0, 0};
    column_taps(&g, c0, &k.lo, &k.hi);
    for (int lo, hi; k.c1 < OW; k.c1++) {
      column_taps(&g, k.c1, &lo, &hi);
      if (lo != k.lo || hi != k.hi) break;
    }
    direct_class(x, &g, &k, wpack, bias, y, Co, relu, zeros, table);
    c0 = k.c1;
  }
}

// The tile of the output grid (dy's for the filter gradient) conv_direct and
// conv_filter_grad_direct run this geometry on by Winograd: 4 (F(4x4, 3x3), F(3x3, 4x4)), 2
// (F(2x2, 3x3), F(3x3, 2x2)), or 0, the direct sum (for the tests and the bench's count of
// the arithmetic done).
EXPORT int conv_winograd_tile(int N, int H, int W, int C, int KH, int KW, int OH, int OW,
                              int sh, int sw, int dh, int dw, int pt, int pl, int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  return wino_m(&g, Co);
}

// Floats of conv_direct's scratch for this geometry: the direct tiles' row of zeros and a
// block's segment pointers, the few-tap path's padded copy of x, or Winograd's blocks.
EXPORT int conv_direct_scratch_floats(int N, int H, int W, int C, int KH, int KW, int OH, int OW,
                                      int sh, int sw, int dh, int dw, int pt, int pl, int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int direct = KW * C + DIRECT_PB * KH * KW;
  const int padded = small_r_padded_floats(N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl);
  const int mt = wino_m(&g, Co);
  const int wino = mt ? winograd_scratch_floats(C, Co, mt) : 0;
  const int most = direct > padded ? direct : padded;
  return most > wino ? most : wino;
}

// Floats of conv_direct's wpack: the filter in NR-column panels, or Winograd's 16 (F(2x2,
// 3x3)) or 36 (F(4x4, 3x3)) transformed copies of it.
EXPORT int conv_direct_wpack_floats(int N, int H, int W, int C, int KH, int KW, int OH, int OW,
                                    int sh, int sw, int dh, int dw, int pt, int pl, int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int Copad = (Co + TILE_NR - 1) / TILE_NR * TILE_NR;
  const int mt = wino_m(&g, Co);
  return (mt == 4 ? 36 * C : mt == 2 ? 16 * C : KH * KW * C) * Copad;
}

// The stride-1 input gradient by transposed Winograd F(2x2, 3x3), for layers whose dy has
// fewer 2 x 2 tiles than dx ('valid' ones): as a correlation of dy padded by 2 with the
// rotated filter (conv_direct), the CNN's 11 x 11 dy runs dx's 13 x 13 grid as 7 x 7 tiles,
// most of the border over padding. The forward maps a 4 x 4 patch d to its 2 x 2 outputs as
// A^T [U . (B^T d B)] A, U = G w G^T, so its transpose maps a 2 x 2 tile of dy to a 4 x 4
// patch of dx as B [sum over co of U . (A dy A^T)] B^T; patches sit 2 apart and are added
// where they overlap. 16 products per dy tile and channel pair: as many tiles as the forward.
// The same constants as the forward, so the same few roundings; non-finite values as there.
// The forward's rule (winograd_applies), with the channels' roles swapped where they differ:
// the products reduce over Co, in 4-channel vectors, and a block holds 4 tiles of dy.
static int winograd_t_applies(const conv_geom* g, int Co) {
  const int dy_tiles = ((g->OH + 1) / 2) * ((g->OW + 1) / 2);
  const int dx_tiles = ((g->H + 1) / 2) * ((g->W + 1) / 2);
  return winograd_applies(g, Co) && Co % 4 == 0 && wino_block(Co, g->C) >= 4 &&
         dy_tiles < dx_tiles;
}

// v[xi][t][co] = (A dy A^T)[xi] of dy's tiles t0 .. t0+tn-1 (zeros past its edges), four
// channels at a time. Rows of A: (1 0), (1 1), (1 -1), (0 -1).
static void winograd_t_dy(const float* dy, const conv_geom* g, int t0, int tn, int Co,
                          const float* zeros, float* v) {
  const int vs = WINO_STRIDE;
  wino_pos at = wino_at(g, t0, 2);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 2)) {
    const float* p[4];
    for (int k = 0; k < 4; k++) {
      const int h = at.oh + k / 2, w = at.ow + k % 2;
      p[k] = h < g->OH && w < g->OW ? dy + ((at.n * g->OH + h) * g->OW + w) * Co : zeros;
    }
    float* o = v + t * Co;
    for (int c = 0; c < Co; c += 4) {
      v128_t r[4][2];
      for (int j = 0; j < 2; j++) {
        const v128_t d0 = wasm_v128_load(p[j] + c), d1 = wasm_v128_load(p[2 + j] + c);
        r[0][j] = d0, r[1][j] = wasm_f32x4_add(d0, d1), r[2][j] = wasm_f32x4_sub(d0, d1);
        r[3][j] = wasm_f32x4_neg(d1);
      }
      for (int i = 0; i < 4; i++) {
        float* oi = o + 4 * i * vs + c;
        wasm_v128_store(oi, r[i][0]);
        wasm_v128_store(oi + vs, wasm_f32x4_add(r[i][0], r[i][1]));
        wasm_v128_store(oi + 2 * vs, wasm_f32x4_sub(r[i][0], r[i][1]));
        wasm_v128_store(oi + 3 * vs, wasm_f32x4_neg(r[i][1]));
      }
    }
  }
}

// dx += B m B^T of tiles t0 .. t0+tn-1, each tile's 4 x 4 patch at (oh - pt, ow - pl), its
// pixels outside dx dropped. Rows of B: (1 0 0 0), (0 1 -1 1), (-1 1 1 0), (0 0 0 -1).
// Returns 0 if a patch value is not finite.
static int winograd_t_output(const float* m, const conv_geom* g, int t0, int tn, int Cpad,
                             float* dx) {
  const int C = g->C, ms = WINO_STRIDE;
  v128_t bad = wasm_i32x4_splat(0);
  wino_pos at = wino_at(g, t0, 2);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 2)) {
    const int h0 = at.oh - g->pt, w0 = at.ow - g->pl;
    float* out[16];
    for (int k = 0; k < 16; k++) {
      const int h = h0 + k / 4, w = w0 + k % 4;
      const int inside = h >= 0 && h < g->H && w >= 0 && w < g->W;
      out[k] = inside ? dx + ((at.n * g->H + h) * g->W + w) * C : 0;
    }
    const float* mt = m + t * Cpad;
    for (int c = 0; c < C; c += 4) {
      v128_t p[4][4];
      for (int j = 0; j < 4; j++) {
        const v128_t m0 = wasm_v128_load(mt + j * ms + c), m1 = wasm_v128_load(mt + (4 + j) * ms + c);
        const v128_t m2 = wasm_v128_load(mt + (8 + j) * ms + c);
        const v128_t m3 = wasm_v128_load(mt + (12 + j) * ms + c);
        p[0][j] = m0, p[1][j] = wasm_f32x4_add(wasm_f32x4_sub(m1, m2), m3);
        p[2][j] = wasm_f32x4_sub(wasm_f32x4_add(m1, m2), m0), p[3][j] = wasm_f32x4_neg(m3);
      }
      for (int i = 0; i < 4; i++) {
        v128_t q[4];
        q[0] = p[i][0], q[1] = wasm_f32x4_add(wasm_f32x4_sub(p[i][1], p[i][2]), p[i][3]);
        q[2] = wasm_f32x4_sub(wasm_f32x4_add(p[i][1], p[i][2]), p[i][0]);
        q[3] = wasm_f32x4_neg(p[i][3]);
        for (int j = 0; j < 4; j++) {
          bad = wasm_v128_or(bad, not_finite(q[j]));
          float* o = out[4 * i + j];
          if (o) wasm_v128_store(o + c, wasm_f32x4_add(wasm_v128_load(o + c), q[j]));
        }
      }
    }
  }
  return !wasm_v128_any_true(bad);
}

// F(4x4, 3x3) transposed, where it takes fewer products than F(2x2, 3x3) on dy's grid
// (wino_tile): a 4 x 4 tile of dy maps to a 6 x 6 patch of dx as
// B [sum over co of U . (A dy A^T)] B^T, patches 4 apart overlapping by 2.

// A d of four values; rows of A (columns of F(4x4, 3x3)'s A^T): (1 0 0 0), (1 1 1 1),
// (1 -1 1 -1), (1 2 4 8), (1 -2 4 -8), (0 0 0 1).
static inline void a6(const v128_t d[4], v128_t r[6]) {
  const v128_t s02 = wasm_f32x4_add(d[0], d[2]), s13 = wasm_f32x4_add(d[1], d[3]);
  const v128_t q02 = wasm_f32x4_add(d[0], wasm_f32x4_mul(wasm_f32x4_splat(4.0f), d[2]));
  const v128_t q13 = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d[1]),
                                    wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d[3]));
  r[0] = d[0], r[1] = wasm_f32x4_add(s02, s13), r[2] = wasm_f32x4_sub(s02, s13);
  r[3] = wasm_f32x4_add(q02, q13), r[4] = wasm_f32x4_sub(q02, q13), r[5] = d[3];
}

// v[xi][t][co] = (A dy A^T)[xi] of dy's 4 x 4 tiles t0 .. t0+tn-1 (zeros past its edges),
// four channels at a time.
static void winograd4_t_dy(const float* dy, const conv_geom* g, int t0, int tn, int Co,
                           const float* zeros, float* v) {
  const int vs = WINO_STRIDE;
  wino_pos at = wino_at(g, t0, 4);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 4)) {
    const float* p[16];
    for (int k = 0; k < 16; k++) {
      const int h = at.oh + k / 4, w = at.ow + k % 4;
      p[k] = h < g->OH && w < g->OW ? dy + ((at.n * g->OH + h) * g->OW + w) * Co : zeros;
    }
    float* o = v + t * Co;
    for (int c = 0; c < Co; c += 4) {
      v128_t r[6][4];
      for (int j = 0; j < 4; j++) {
        v128_t d[4], col[6];
        for (int i = 0; i < 4; i++) d[i] = wasm_v128_load(p[4 * i + j] + c);
        a6(d, col);
        for (int i = 0; i < 6; i++) r[i][j] = col[i];
      }
      for (int i = 0; i < 6; i++) {
        v128_t row[6];
        a6(r[i], row);
        for (int k = 0; k < 6; k++) wasm_v128_store(o + (6 * i + k) * vs + c, row[k]);
      }
    }
  }
}

// B m of six values; rows of B (columns of B^T): (4 0 0 0 0 0), (0 -4 4 -2 2 4),
// (-5 -4 -4 -1 -1 0), (0 1 -1 2 -2 -5), (1 1 1 1 1 0), (0 0 0 0 0 1).
static inline void b6(const v128_t m[6], v128_t r[6]) {
  const v128_t two = wasm_f32x4_splat(2.0f), four = wasm_f32x4_splat(4.0f);
  const v128_t five = wasm_f32x4_splat(5.0f);
  const v128_t d21 = wasm_f32x4_sub(m[2], m[1]), d43 = wasm_f32x4_mul(two, wasm_f32x4_sub(m[4], m[3]));
  const v128_t s12 = wasm_f32x4_add(m[1], m[2]), s34 = wasm_f32x4_add(m[3], m[4]);
  r[0] = wasm_f32x4_mul(four, m[0]);
  r[1] = wasm_f32x4_add(wasm_f32x4_mul(four, wasm_f32x4_add(d21, m[5])), d43);
  r[2] = wasm_f32x4_neg(wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(five, m[0]),
                                                      wasm_f32x4_mul(four, s12)), s34));
  r[3] = wasm_f32x4_sub(wasm_f32x4_sub(wasm_f32x4_neg(d21), d43), wasm_f32x4_mul(five, m[5]));
  r[4] = wasm_f32x4_add(wasm_f32x4_add(m[0], s12), s34);
  r[5] = m[5];
}

// dx += B m B^T of dy's 4 x 4 tiles t0 .. t0+tn-1, each tile's 6 x 6 patch at
// (oh - pt, ow - pl), its pixels outside dx dropped. Returns 0 if a patch value is not finite.
static int winograd4_t_output(const float* m, const conv_geom* g, int t0, int tn, int Cpad,
                              float* dx) {
  const int C = g->C, ms = WINO_STRIDE;
  v128_t bad = wasm_i32x4_splat(0);
  wino_pos at = wino_at(g, t0, 4);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 4)) {
    const int h0 = at.oh - g->pt, w0 = at.ow - g->pl;
    float* out[36];
    for (int k = 0; k < 36; k++) {
      const int h = h0 + k / 6, w = w0 + k % 6;
      const int inside = h >= 0 && h < g->H && w >= 0 && w < g->W;
      out[k] = inside ? dx + ((at.n * g->H + h) * g->W + w) * C : 0;
    }
    const float* mt = m + t * Cpad;
    for (int c = 0; c < C; c += 4) {
      v128_t p[6][6];
      for (int j = 0; j < 6; j++) {
        v128_t col[6], r[6];
        for (int i = 0; i < 6; i++) col[i] = wasm_v128_load(mt + (6 * i + j) * ms + c);
        b6(col, r);
        for (int i = 0; i < 6; i++) p[i][j] = r[i];
      }
      for (int i = 0; i < 6; i++) {
        v128_t q[6];
        b6(p[i], q);
        for (int j = 0; j < 6; j++) {
          bad = wasm_v128_or(bad, not_finite(q[j]));
          float* o = out[6 * i + j];
          if (o) wasm_v128_store(o + c, wasm_f32x4_add(wasm_v128_load(o + c), q[j]));
        }
      }
    }
  }
  return !wasm_v128_any_true(bad);
}

// The tile of dy conv_input_grad_winograd takes for this forward geometry: 4, 2, or 0 where
// it does not apply (for the bench's count of the arithmetic done).
EXPORT int conv_input_grad_winograd_tile(int N, int H, int W, int C, int KH, int KW, int OH,
                                         int OW, int sh, int sw, int dh, int dw, int pt, int pl,
                                         int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  return winograd_t_applies(&g, Co) ? wino_tile(&g) : 0;
}

// Floats of conv_input_grad_winograd's scratch, 0 where it does not apply: a row of Co
// zeros, the transformed filter (16 or 36 * Co * round_up(C, NR)), and a block's 16 or 36
// matrices of transformed dy and as many of products.
EXPORT int conv_input_grad_winograd_floats(int N, int H, int W, int C, int KH, int KW, int OH,
                                           int OW, int sh, int sw, int dh, int dw, int pt,
                                           int pl, int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int Cpad = (C + TILE_NR - 1) / TILE_NR * TILE_NR;
  const int count = wino_tile(&g) == 4 ? 36 : 16;
  return winograd_t_applies(&g, Co) ? Co + count * Co * Cpad + 2 * count * WINO_STRIDE : 0;
}

// dx [N, H, W, C] of a convolution from dy [N, OH, OW, Co] and w [3, 3, C, Co] by transposed
// Winograd where winograd_t_applies; scratch: conv_input_grad_winograd_floats. Returns 0
// (dx to be computed otherwise) where it does not apply or some value is not finite.
EXPORT int conv_input_grad_winograd(const float* dy, const float* w, float* dx, int N, int H,
                                    int W, int C, int KH, int KW, int OH, int OW, int sh, int sw,
                                    int dh, int dw, int pt, int pl, int Co, float* scratch) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  if (!winograd_t_applies(&g, Co)) return 0;
  const int panels = (C + TILE_NR - 1) / TILE_NR, Cpad = panels * TILE_NR;
  const int mt = wino_tile(&g), count = mt == 4 ? 36 : 16;
  float* zeros = scratch;
  float* u = zeros + Co;
  float* v = u + count * Co * Cpad;
  float* m = v + count * WINO_STRIDE;
  zero(zeros, Co);
  if (mt == 4)
    winograd4_filter(w, Co, C, 1, Co, u);
  else
    winograd_filter(w, Co, C, 1, Co, u);
  zero(dx, N * H * W * C);
  const int tiles = N * ((OH + mt - 1) / mt) * ((OW + mt - 1) / mt), tb = wino_block(Co, C);
  for (int t0 = 0; t0 < tiles; t0 += tb) {
    const int tn = tiles - t0 < tb ? tiles - t0 : tb;
    if (mt == 4)
      winograd4_t_dy(dy, &g, t0, tn, Co, zeros, v);
    else
      winograd_t_dy(dy, &g, t0, tn, Co, zeros, v);
    winograd_products(v, u, tn, Co, panels, count, m);
    const int finite = mt == 4 ? winograd4_t_output(m, &g, t0, tn, Cpad, dx)
                               : winograd_t_output(m, &g, t0, tn, Cpad, dx);
    if (!finite) return 0;
  }
  return 1;
}

// Largest pixel block of the direct filter gradient.
#define DIRECT_FG_PB 128

// The rows of dy for the block's pixels in the order `order` gives, in NR-column panels
// (panel q holds count rows of NR values, zeros past Co).
static void pack_dy(const float* dy, int Co, int p0, const int* order, int count, int stride,
                    float* dpack) {
  const int panels = (Co + TILE_NR - 1) / TILE_NR;
  for (int q = 0; q < panels; q++) {
    const int j0 = q * TILE_NR, nr = Co - j0 < TILE_NR ? Co - j0 : TILE_NR;
    float* o = dpack + q * stride * TILE_NR;
    for (int k = 0; k < count; k++, o += TILE_NR) {
      const float* s = dy + (p0 + order[k]) * Co + j0;
      if (nr == TILE_NR) {
        wasm_v128_store(o, wasm_v128_load(s));
        wasm_v128_store(o + 4, wasm_v128_load(s + 4));
        continue;
      }
      int j = 0;
      for (; j < nr; j++) o[j] = s[j];
      for (; j < TILE_NR; j++) o[j] = 0.0f;
    }
  }
}

// The filter gradient by Winograd F(3x3, 2x2) when winograd_applies: dw's 3 x 3 taps from a
// 2 x 2 tile of dy and its 4 x 4 patch of x (the forward tile's), dw = A^T [sum over tiles
// of (G dy G^T) . (B^T x B)] A, with the sum over tiles taken before the (linear) output
// transform: 16 products [C, tiles] x [tiles, Co], the direct sum's 36 for every 4 pixels.
// B^T is F(2x2, 3x3)'s (winograd_input) with its last row negated; G's last row is negated
// to match, so the products are F(3x3, 2x2)'s. Rows of A^T: (1 1 1 0), (0 1 -1 0),
// (0 1 1 1); of G: (1 0), (1/2 1/2), (1/2 -1/2), (0 -1).

// Channels co .. co+3 of a row of dy with Co channels: zeros past Co, or for a null row (a
// pixel past dy's edge).
static inline v128_t dy_lanes(const float* row, int co, int Co) {
  return row ? load_lanes(row + co, Co - co) : wasm_f32x4_splat(0.0f);
}

// d[xi][panel][t][NR] = (G dy G^T)[xi] of the block's tiles' 2 x 2 dy values (zeros past OH,
// OW and Co).
static void winograd_dy(const float* dy, const conv_geom* g, int t0, int tn, int Co,
                        int panels, float* d) {
  const int ds = WINO_STRIDE, tb = wino_block(g->C, Co);
  wino_pos at = wino_at(g, t0, 2);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 2)) {
    const float* p[4];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) {
        const int inside = at.oh + i < g->OH && at.ow + j < g->OW;
        p[2 * i + j] = inside ? dy + ((at.n * g->OH + at.oh + i) * g->OW + at.ow + j) * Co : 0;
      }
    for (int co = 0; co < panels * TILE_NR; co += 4) {
      v128_t v[4];
      for (int k = 0; k < 4; k++) v[k] = dy_lanes(p[k], co, Co);
      const v128_t half = wasm_f32x4_splat(0.5f);
      v128_t r[4][2];
      for (int j = 0; j < 2; j++) {
        r[0][j] = v[j], r[3][j] = wasm_f32x4_neg(v[2 + j]);
        r[1][j] = wasm_f32x4_mul(half, wasm_f32x4_add(v[j], v[2 + j]));
        r[2][j] = wasm_f32x4_mul(half, wasm_f32x4_sub(v[j], v[2 + j]));
      }
      float* o = d + (co / TILE_NR) * tb * TILE_NR + t * TILE_NR + co % TILE_NR;
      for (int i = 0; i < 4; i++) {
        float* oi = o + 4 * i * ds;
        wasm_v128_store(oi, r[i][0]);
        wasm_v128_store(oi + ds, wasm_f32x4_mul(half, wasm_f32x4_add(r[i][0], r[i][1])));
        wasm_v128_store(oi + 2 * ds, wasm_f32x4_mul(half, wasm_f32x4_sub(r[i][0], r[i][1])));
        wasm_v128_store(oi + 3 * ds, wasm_f32x4_neg(r[i][1]));
      }
    }
  }
}

// m[xi][C][Copad] += v[xi]^T d[xi] over the block's tn tiles and xi < count (16 or 36): 4
// channels x 8 columns a tile, the four channels' values consecutive in v.
static void winograd_fg_products(const float* v, const float* d, int tn, int C, int panels,
                                 int count, float* m) {
  const int vs = WINO_STRIDE, ds = WINO_STRIDE, tb = wino_block(C, panels * TILE_NR);
  const int Copad = panels * TILE_NR;
  for (int xi = 0; xi < count; xi++)
    for (int c = 0; c < C; c += TILE_MR)
      for (int q = 0; q < panels; q++) {
        float* mt = m + (xi * C + c) * Copad + q * TILE_NR;
        v128_t acc[TILE_MR][2];
        for (int r = 0; r < TILE_MR; r++)
          acc[r][0] = wasm_v128_load(mt + r * Copad), acc[r][1] = wasm_v128_load(mt + r * Copad + 4);
        const float* vp = v + xi * vs + c;
        const float* dp = d + xi * ds + q * tb * TILE_NR;
        for (int t = 0; t < tn; t++, vp += C, dp += TILE_NR) {
          const v128_t d0 = wasm_v128_load(dp), d1 = wasm_v128_load(dp + 4);
          v128_t a = wasm_v128_load32_splat(vp);
          acc[0][0] = MADD(a, d0, acc[0][0]);
          acc[0][1] = MADD(a, d1, acc[0][1]);
          a = wasm_v128_load32_splat(vp + 1);
          acc[1][0] = MADD(a, d0, acc[1][0]);
          acc[1][1] = MADD(a, d1, acc[1][1]);
          a = wasm_v128_load32_splat(vp + 2);
          acc[2][0] = MADD(a, d0, acc[2][0]);
          acc[2][1] = MADD(a, d1, acc[2][1]);
          a = wasm_v128_load32_splat(vp + 3);
          acc[3][0] = MADD(a, d0, acc[3][0]);
          acc[3][1] = MADD(a, d1, acc[3][1]);
        }
        float* rows[TILE_MR] = {mt, mt + Copad, mt + 2 * Copad, mt + 3 * Copad};
        store_whole(acc, rows, 0, 0, 0);
      }
}

// dw[kh][kw][c][co] = (A^T m A)[kh][kw] for every channel pair. Returns 0 if one is not
// finite (the direct kernel then recomputes dw).
static int winograd_fg_output(const float* m, int C, int Co, int Copad, float* dw) {
  v128_t bad = wasm_i32x4_splat(0);
  for (int c = 0; c < C; c++)
    for (int co = 0; co < Co; co += 4) {
      v128_t s[3][4];
      for (int j = 0; j < 4; j++) {
        const float* mj = m + (j * C + c) * Copad + co;
        const v128_t m0 = wasm_v128_load(mj), m1 = wasm_v128_load(mj + 4 * C * Copad);
        const v128_t m2 = wasm_v128_load(mj + 8 * C * Copad);
        const v128_t m3 = wasm_v128_load(mj + 12 * C * Copad);
        s[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
        s[1][j] = wasm_f32x4_sub(m1, m2);
        s[2][j] = wasm_f32x4_add(wasm_f32x4_add(m1, m2), m3);
      }
      for (int kh = 0; kh < 3; kh++) {
        const v128_t r[3] = {wasm_f32x4_add(wasm_f32x4_add(s[kh][0], s[kh][1]), s[kh][2]),
                             wasm_f32x4_sub(s[kh][1], s[kh][2]),
                             wasm_f32x4_add(wasm_f32x4_add(s[kh][1], s[kh][2]), s[kh][3])};
        for (int kw = 0; kw < 3; kw++) {
          bad = wasm_v128_or(bad, not_finite(r[kw]));
          store_lanes(dw + ((kh * 3 + kw) * C + c) * Co + co, r[kw], Co - co);
        }
      }
    }
  return !wasm_v128_any_true(bad);
}

// F(3x3, 4x4) for the filter gradient where wino_tile takes 4 x 4 tiles of dy: dw's 3 x 3
// taps from a 4 x 4 tile of dy and its 6 x 6 patch of x (F(4x4, 3x3)'s forward tile), 36
// products per tile where F(3x3, 2x2) takes 64 for its 16 pixels. Its matrices follow from
// F(4x4, 3x3)'s by the transposition principle: the same B^T (winograd4_input), F(4x4,
// 3x3)'s A for G (a6, integers, once per tile) and its G^T for A^T (fractions, once per call:
// the sum over tiles comes first).

// d[xi][panel][t][NR] = (A dy A^T)[xi] of the block's 4 x 4 tiles of dy (zeros past OH, OW
// and Co).
static void winograd4_dy(const float* dy, const conv_geom* g, int t0, int tn, int Co,
                         int panels, float* d) {
  const int ds = WINO_STRIDE, tb = wino_block(g->C, Co);
  wino_pos at = wino_at(g, t0, 4);
  for (int t = 0; t < tn; t++, wino_next(g, &at, 4)) {
    const float* p[16];
    for (int k = 0; k < 16; k++) {
      const int oh = at.oh + k / 4, ow = at.ow + k % 4;
      p[k] = oh < g->OH && ow < g->OW ? dy + ((at.n * g->OH + oh) * g->OW + ow) * Co : 0;
    }
    for (int co = 0; co < panels * TILE_NR; co += 4) {
      v128_t r[6][4];
      for (int j = 0; j < 4; j++) {
        v128_t col[4], out[6];
        for (int i = 0; i < 4; i++) col[i] = dy_lanes(p[4 * i + j], co, Co);
        a6(col, out);
        for (int i = 0; i < 6; i++) r[i][j] = out[i];
      }
      float* o = d + (co / TILE_NR) * tb * TILE_NR + t * TILE_NR + co % TILE_NR;
      for (int i = 0; i < 6; i++) {
        v128_t row[6];
        a6(r[i], row);
        for (int k = 0; k < 6; k++) wasm_v128_store(o + (6 * i + k) * ds, row[k]);
      }
    }
  }
}

// G^T m of six values: dw's three taps along one axis; rows of G^T: (1/4 -1/6 -1/6 1/24 1/24
// 0), (0 -1/6 1/6 1/12 -1/12 0), (0 -1/6 -1/6 1/6 1/6 1).
static inline void gt3(const v128_t m[6], v128_t o[3]) {
  const v128_t s12 = wasm_f32x4_add(m[1], m[2]), d21 = wasm_f32x4_sub(m[2], m[1]);
  const v128_t s34 = wasm_f32x4_add(m[3], m[4]), d34 = wasm_f32x4_sub(m[3], m[4]);
  const v128_t sixth = wasm_f32x4_splat(1.0f / 6.0f);
  o[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_splat(0.25f), m[0]),
                                       wasm_f32x4_mul(sixth, s12)),
                        wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24.0f), s34));
  o[1] = wasm_f32x4_add(wasm_f32x4_mul(sixth, d21),
                        wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 12.0f), d34));
  o[2] = wasm_f32x4_add(wasm_f32x4_mul(sixth, wasm_f32x4_sub(s34, s12)), m[5]);
}

// dw[kh][kw][c][co] = (G^T m G)[kh][kw] for every channel pair. Returns 0 if one is not
// finite (the direct kernel then recomputes dw).
static int winograd4_fg_output(const float* m, int C, int Co, int Copad, float* dw) {
  v128_t bad = wasm_i32x4_splat(0);
  const int xs = C * Copad;
  for (int c = 0; c < C; c++)
    for (int co = 0; co < Co; co += 4) {
      v128_t s[3][6];
      for (int j = 0; j < 6; j++) {
        v128_t col[6], o[3];
        for (int i = 0; i < 6; i++) col[i] = wasm_v128_load(m + (6 * i + j) * xs + c * Copad + co);
        gt3(col, o);
        for (int i = 0; i < 3; i++) s[i][j] = o[i];
      }
      for (int kh = 0; kh < 3; kh++) {
        v128_t r[3];
        gt3(s[kh], r);
        for (int kw = 0; kw < 3; kw++) {
          bad = wasm_v128_or(bad, not_finite(r[kw]));
          store_lanes(dw + ((kh * 3 + kw) * C + c) * Co + co, r[kw], Co - co);
        }
      }
    }
  return !wasm_v128_any_true(bad);
}

// Floats of conv_filter_grad_winograd's scratch on mt x mt tiles of dy (wino_tile): a row of C
// zeros, a block's transformed x and dy, and the sums m (16, or 36 for mt = 4).
static int winograd_fg_scratch_floats(int C, int Co, int mt) {
  const int Copad = (Co + TILE_NR - 1) / TILE_NR * TILE_NR, count = mt == 4 ? 36 : 16;
  return C + 2 * count * WINO_STRIDE + count * C * Copad;
}

// conv_filter_grad_direct's work when winograd_applies. Returns 0 (dw to be recomputed)
// when some value of dw is not finite.
static int conv_filter_grad_winograd(const float* x, const float* dy, float* dwk,
                                     const conv_geom* g, int Co, float* scratch) {
  const int C = g->C, panels = (Co + TILE_NR - 1) / TILE_NR, Copad = panels * TILE_NR;
  const int mt = wino_tile(g), count = mt == 4 ? 36 : 16;
  float* zeros = scratch;
  float* v = zeros + C;
  float* d = v + count * WINO_STRIDE;
  float* m = d + count * WINO_STRIDE;
  zero(zeros, C);
  zero(m, count * C * Copad);
  const int tiles = g->N * ((g->OH + mt - 1) / mt) * ((g->OW + mt - 1) / mt);
  const int tb = wino_block(C, Co);
  for (int t0 = 0; t0 < tiles; t0 += tb) {
    const int tn = tiles - t0 < tb ? tiles - t0 : tb;
    if (mt == 4) {
      winograd4_input(x, g, t0, tn, zeros, v);
      winograd4_dy(dy, g, t0, tn, Co, panels, d);
    } else {
      winograd_input(x, g, t0, tn, zeros, v);
      winograd_dy(dy, g, t0, tn, Co, panels, d);
    }
    winograd_fg_products(v, d, tn, C, panels, count, m);
  }
  return mt == 4 ? winograd4_fg_output(m, C, Co, Copad, dwk)
                 : winograd_fg_output(m, C, Co, Copad, dwk);
}

// dw[KH, KW, C, Co] = sum over pixels p of unfold(x)[p, r] * dy[p, Co], x NHWC with the
// padding implicit: tiles of 4 unfolded rows x 8 output channels accumulate over a block of
// pixels in registers, reading x in place for pixels whose taps are all inside it and the
// gathered unfolded rows of the others (the block is ordered inside pixels first, dy packed
// in the same order, zero-padded past Co). scratch: R ints, then per block pb rows of dy
// panels and pb gathered rows; the block takes what scratch_floats allows, up to
// DIRECT_FG_PB pixels. Returns 1 (dw untouched) if scratch holds fewer than 4 pixels.
EXPORT int conv_filter_grad_direct(const float* x, const float* dy, float* dwk, int N, int H,
                                   int W, int C, int KH, int KW, int OH, int OW, int sh,
                                   int sw, int dh, int dw, int pt, int pl, int Co,
                                   float* scratch, int scratch_floats) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int R = KH * KW * C, P = N * OH * OW;
  const int panels = (Co + TILE_NR - 1) / TILE_NR, Npad = panels * TILE_NR;
  const int R4 = (R + 3) & ~3;
  if (winograd_applies(&g, Co) && scratch_floats >= winograd_fg_scratch_floats(C, Co, wino_tile(&g)) &&
      conv_filter_grad_winograd(x, dy, dwk, &g, Co, scratch))
    return 0;
  int* roff = (int*)scratch;
  int pb = (scratch_floats - R4) / (Npad + R4);
  pb = pb > DIRECT_FG_PB ? DIRECT_FG_PB : pb & ~3;
  if (pb < 4) return 1;
  float* dpack = scratch + R4;
  float* gbuf = dpack + pb * Npad;
  for (int r = 0; r < R; r++) {
    const int tap = r / C, c = r % C;
    roff[r] = ((tap / KW) * dh * W + (tap % KW) * dw) * C + c;
  }
  zero(dwk, R * Co);
  int order[DIRECT_FG_PB], base[DIRECT_FG_PB], bases[DIRECT_FG_PB];
  for (int p0 = 0; p0 < P; p0 += pb) {
    const int pn = P - p0 < pb ? P - p0 : pb;
    // Inside pixels first (base: their first tap in x), then the others (rows in gbuf).
    int ni = 0, nb = 0;
    inside_bases(&g, p0, pn, bases);
    for (int i = 0; i < pn; i++) {
      if (bases[i] < 0) continue;
      base[ni] = bases[i];
      order[ni++] = i;
    }
    for (int i = 0; i < pn; i++) {
      if (bases[i] >= 0) continue;
      gather_row(x, &g, p0 + i, gbuf + nb * R);
      order[ni + nb++] = i;
    }
    pack_dy(dy, Co, p0, order, pn, pb, dpack);
    for (int r0 = 0; r0 < R; r0 += TILE_MR) {
      const int mr = R - r0 < TILE_MR ? R - r0 : TILE_MR;
      const int r1 = r0 + (mr > 1 ? 1 : 0), r2 = r0 + (mr > 2 ? 2 : 0), r3 = r0 + (mr > 3 ? 3 : 0);
      const float *x0 = x + roff[r0], *x1 = x + roff[r1], *x2 = x + roff[r2], *x3 = x + roff[r3];
      // The tile's four unfolded rows are consecutive floats of x (one filter row's KW*C
      // values are, with dilation 1), as they always are in a gathered row.
      const int contiguous =
          mr == 4 && x1 == x0 + 1 && x2 == x0 + 2 && x3 == x0 + 3;
      for (int q = 0; q < panels; q++) {
        const int j0 = q * TILE_NR, nr = Co - j0 < TILE_NR ? Co - j0 : TILE_NR;
        const float* dp = dpack + q * pb * TILE_NR;
        v128_t acc[TILE_MR][2];
        for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
#define TAPS(a0, a1, a2, a3)                     \
  do {                                           \
    const v128_t d0 = wasm_v128_load(dp);        \
    const v128_t d1 = wasm_v128_load(dp + 4);    \
    v128_t a = wasm_v128_load32_splat(a0);       \
    acc[0][0] = MADD(a, d0, acc[0][0]);          \
    acc[0][1] = MADD(a, d1, acc[0][1]);          \
    a = wasm_v128_load32_splat(a1);              \
    acc[1][0] = MADD(a, d0, acc[1][0]);          \
    acc[1][1] = MADD(a, d1, acc[1][1]);          \
    a = wasm_v128_load32_splat(a2);              \
    acc[2][0] = MADD(a, d0, acc[2][0]);          \
    acc[2][1] = MADD(a, d1, acc[2][1]);          \
    a = wasm_v128_load32_splat(a3);              \
    acc[3][0] = MADD(a, d0, acc[3][0]);          \
    acc[3][1] = MADD(a, d1, acc[3][1]);          \
    dp += TILE_NR;                               \
  } while (0)
        if (contiguous) {
          // One address a pixel, the four values at offsets 0-3 of it: fewer integer
          // operations in a loop that issues about as many of them as multiply-adds.
          for (int k = 0; k < ni; k++) {
            const float* p = x0 + base[k];
            TAPS(p, p + 1, p + 2, p + 3);
          }
          for (int k = 0; k < nb; k++) {
            const float* gr = gbuf + k * R + r0;
            TAPS(gr, gr + 1, gr + 2, gr + 3);
          }
        } else {
          for (int k = 0; k < ni; k++) {
            const int b = base[k];
            TAPS(x0 + b, x1 + b, x2 + b, x3 + b);
          }
          for (int k = 0; k < nb; k++) {
            const float* gr = gbuf + k * R;
            TAPS(gr + r0, gr + r1, gr + r2, gr + r3);
          }
        }
#undef TAPS
        store_tile(acc, dwk + r0 * Co + j0, Co, mr, nr, 0, 0, 1);
      }
    }
  }
  return 0;
}

// Floats of conv_filter_grad_direct's scratch: Winograd's blocks where winograd_applies, else
// the unfolded rows' offsets and a block of DIRECT_FG_PB pixels.
EXPORT int conv_filter_grad_scratch_floats(int N, int H, int W, int C, int KH, int KW, int OH,
                                           int OW, int sh, int sw, int dh, int dw, int pt,
                                           int pl, int Co) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int R4 = (KH * KW * C + 3) & ~3, Npad = (Co + TILE_NR - 1) / TILE_NR * TILE_NR;
  const int direct = R4 + DIRECT_FG_PB * (Npad + R4);
  const int wino = winograd_applies(&g, Co) ? winograd_fg_scratch_floats(C, Co, wino_tile(&g)) : 0;
  return direct > wino ? direct : wino;
}

// dx[N, H, W, C] of a convolution with strides > 1 (and dilation 1, the only kind tfjs
// allows with them), directly: dx[n, h, w, :] = sum over the taps (kh, kw) that reach it of
// dy[n, oh, ow, :] x W[kh, kw]^T, oh = (h + pt - kh) / sh and ow likewise, when whole and in
// range. Pixels of one row in the same phase (w = pw, pw + sw, ...) share their taps, so they
// go 4 at a time against W^T packed per tap into NR-column panels over C (wpack,
// KH*KW * round_up(C, NR) * Co floats); each writes every channel of its dx row, zeros
// where no tap reaches it. zeros: Co floats of scratch (the dy row of a tap out of range).
EXPORT void conv_input_grad_strided(const float* dy, const float* w, float* dx, int N, int H,
                                    int W, int C, int KH, int KW, int OH, int OW, int sh,
                                    int sw, int dh, int dw, int pt, int pl, int Co,
                                    float* wpack, float* zeros) {
  (void)dh;
  (void)dw;
  const int panels = (C + TILE_NR - 1) / TILE_NR, tapsize = panels * Co * TILE_NR;
  for (int t = 0; t < KH * KW; t++) pack_b(w + t * C * Co, 1, Co, Co, C, wpack + t * tapsize);
  zero(zeros, Co);
  int tap[KH * KW];
  const float* src[KH * KW][TILE_MR];
  for (int n = 0; n < N; n++) {
    for (int h = 0; h < H; h++) {
      const int kh0 = (h + pt) % sh;
      for (int pw = 0; pw < sw && pw < W; pw++) {
        const int kw0 = (pw + pl) % sw;
        const int m = (W - pw + sw - 1) / sw;
        for (int j = 0; j < m; j += TILE_MR) {
          const int mr = m - j < TILE_MR ? m - j : TILE_MR;
          // The quad's pixels w_r = pw + (j + r) * sw (rows past mr repeat the last).
          int wr[TILE_MR];
          for (int r = 0; r < TILE_MR; r++) wr[r] = pw + (j + (r < mr ? r : mr - 1)) * sw;
          float* out = dx + ((n * H + h) * W + wr[0]) * C;
          // The taps that reach this row and phase: their packed W^T and 4 dy rows each.
          int ntaps = 0;
          for (int kh = kh0; kh < KH; kh += sh) {
            const int oh = (h + pt - kh) / sh;
            if (h + pt - kh < 0 || oh >= OH) continue;
            const float* row = dy + (n * OH + oh) * OW * Co;
            for (int kw = kw0; kw < KW; kw += sw, ntaps++) {
              tap[ntaps] = kh * KW + kw;
              for (int r = 0; r < TILE_MR; r++) {
                const int num = wr[r] + pl - kw, ow = num / sw;
                src[ntaps][r] = num >= 0 && ow < OW ? row + ow * Co : zeros;
              }
            }
          }
          for (int q = 0; q < panels; q++) {
            const int c0 = q * TILE_NR, nr = C - c0 < TILE_NR ? C - c0 : TILE_NR;
            v128_t acc[TILE_MR][2];
            for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
            for (int t = 0; t < ntaps; t++) {
              const float* bp = wpack + tap[t] * tapsize + q * Co * TILE_NR;
              dot_4x8(acc, src[t][0], src[t][1], src[t][2], src[t][3], bp, Co);
            }
            store_tile(acc, out + c0, sw * C, mr, nr, 0, 0, 0);
          }
        }
      }
    }
  }
}

// Packs b (element (k, n) at b[n * ldb + k]: a transposed operand, rows of k contiguous)
// into NR-column panels as pack_b does, four k at a time through 4 x 4 transposes.
static void pack_bt(const float* b, int ldb, int kc, int nc, float* out) {
  for (int j0 = 0; j0 < nc; j0 += TILE_NR, out += kc * TILE_NR) {
    const int nr = nc - j0 < TILE_NR ? nc - j0 : TILE_NR;
    int k = 0;
    if (nr == TILE_NR) {
      const float* r = b + j0 * ldb;
      for (; k + 4 <= kc; k += 4) {
        for (int h = 0; h < 2; h++) {
          const float* s = r + 4 * h * ldb + k;
          const v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + ldb);
          const v128_t r2 = wasm_v128_load(s + 2 * ldb), r3 = wasm_v128_load(s + 3 * ldb);
          const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
          const v128_t t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
          const v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
          const v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          float* o = out + k * TILE_NR + 4 * h;
          wasm_v128_store(o, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
          wasm_v128_store(o + TILE_NR, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
          wasm_v128_store(o + 2 * TILE_NR, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
          wasm_v128_store(o + 3 * TILE_NR, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
        }
      }
    }
    for (; k < kc; k++)
      for (int j = 0; j < TILE_NR; j++) out[k * TILE_NR + j] = j < nr ? b[(j0 + j) * ldb + k] : 0.0f;
  }
}

// K per block of the GEMM: a block's B panel (GEMM_KC x NR floats, 16 KiB) stays in L1.
#define GEMM_KC 512

// c[M, N] = a[M, K] x b (+ bias[N], then relu): a row-major (rows of K), b [K, N] row-major
// or, with bt, [N, K] (the transposed operand of a dense layer's gradient). Tiles of 4 rows
// x 8 columns over K in blocks of GEMM_KC, each block's partial sum added into c; bias and
// relu after the whole sum, as the unfused product, add and relu round. bpack: GEMM_KC *
// round_up(N, NR) floats of scratch.
EXPORT void gemm(const float* a, const float* b, float* c, int M, int K, int N, int bt,
                 const float* bias, int relu, float* bpack) {
  const int panels = (N + TILE_NR - 1) / TILE_NR;
  for (int k0 = 0; k0 < K || k0 == 0; k0 += GEMM_KC) {
    const int kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
    if (bt) pack_bt(b + k0, K, kc, N, bpack);
    else pack_b(b + k0 * N, N, 1, kc, N, bpack);
    for (int q = 0; q < panels; q++) {
      const int j0 = q * TILE_NR, nr = N - j0 < TILE_NR ? N - j0 : TILE_NR;
      const float* bq = bpack + q * kc * TILE_NR;
      for (int i = 0; i < M; i += TILE_MR) {
        const int mr = M - i < TILE_MR ? M - i : TILE_MR;
        // Rows past mr repeat the last row (their sums are not stored).
        const float* a0 = a + i * K + k0;
        const float* a1 = a + (i + (mr > 1 ? 1 : 0)) * K + k0;
        const float* a2 = a + (i + (mr > 2 ? 2 : 0)) * K + k0;
        const float* a3 = a + (i + (mr > 3 ? 3 : 0)) * K + k0;
        v128_t acc[TILE_MR][2];
        for (int r = 0; r < TILE_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
        dot_4x8(acc, a0, a1, a2, a3, bq, kc);
        store_tile(acc, c + i * N + j0, N, mr, nr, 0, 0, k0 > 0);
      }
    }
  }
  if (!bias && !relu) return;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      float v = c[i * N + j];
      if (bias) v = v + bias[j];
      if (relu) v = v < 0.0f ? 0.0f : v;
      c[i * N + j] = v;
    }
}

// step(x) as relu_grad multiplies by it: 1 where x > 0, x itself where x is NaN, else 0.
static inline v128_t relu_step(v128_t v) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero4 = wasm_f32x4_splat(0.0f);
  // x > 0 and x NaN exclude each other, so the two masked values can be or'ed.
  return wasm_v128_or(wasm_v128_and(wasm_f32x4_gt(v, zero4), one),
                      wasm_v128_and(wasm_f32x4_ne(v, v), v));
}

// ReLU's gradient as tfjs defines it, dy * step(x), in one pass: dy where x > 0, 0 where
// x <= 0, NaN where x is NaN (step(NaN) = NaN), and dy * 0 (so NaN for an infinite dy) below.
EXPORT void relu_grad(const float* dy, const float* x, float* dx, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), relu_step(wasm_v128_load(x + i))));
  for (; i < n; i++) {
    const float v = x[i];
    dx[i] = dy[i] * (v != v ? v : v > 0.0f ? 1.0f : 0.0f);
  }
}

// relu_grad_sum's rows per pass: each channel's float64 sum stays in registers across them.
#define RGS_ROWS 4

// relu_grad over rows of C channels that also sums dx per channel, as sum_rows would (float64,
// rows in order), in the same pass: the gradient of a convolution's bias and ReLU together.
// Rows go RGS_ROWS at a time, so a sum is loaded and stored once for them, not once a row
// (each row then waited on the last one's store); x, dy and dx are still read and written in
// order. Blocks of rows taken eight channels at a time instead ran 0.85x on warm caches but
// 1.5x inside the step, where the tensors come from memory.
EXPORT void relu_grad_sum(const float* dy, const float* x, float* dx, double* acc, float* out,
                          int rows, int C) {
  for (int c = 0; c < C; c++) acc[c] = 0.0;
  const int C4 = C & ~3;
  for (int r0 = 0; r0 < rows; r0 += RGS_ROWS) {
    const int nr = rows - r0 < RGS_ROWS ? rows - r0 : RGS_ROWS;
    int c = 0;
    for (; c < C4; c += 4) {
      v128_t s0 = wasm_v128_load(acc + c), s1 = wasm_v128_load(acc + c + 2);
      for (int u = 0; u < nr; u++) {
        const int o = (r0 + u) * C + c;
        const v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + o), relu_step(wasm_v128_load(x + o)));
        wasm_v128_store(dx + o, g);
        s0 = wasm_f64x2_add(s0, wasm_f64x2_promote_low_f32x4(g));
        s1 = wasm_f64x2_add(s1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(g, g, 2, 3, 0, 1)));
      }
      wasm_v128_store(acc + c, s0), wasm_v128_store(acc + c + 2, s1);
    }
    for (; c < C; c++)
      for (int u = 0; u < nr; u++) {
        const int o = (r0 + u) * C + c;
        const float v = x[o];
        const float g = dy[o] * (v != v ? v : v > 0.0f ? 1.0f : 0.0f);
        dx[o] = g;
        acc[c] += g;
      }
  }
  for (int c = 0; c < C; c++) out[c] = (float)acc[c];
}

// One Adam step over n values exactly as tfjs's AdamOptimizer computes it, op by op in
// float32 (every product, sum, quotient and root rounded in the same order), so the result
// equals it to the bit: m' = m*b1 + g*(1-b1), v' = v*b2 + (g*g)*(1-b2),
// w' = (m'/c1) / (sqrt(v'/c2) + eps) * (-lr) + w, with c1 = *c1p = 1 - b1^t, c2 = 1 - b2^t
// (tensors of one value). The scalars arrive already rounded to float32, as tfjs rounds
// them when it makes them tensors.
EXPORT void adam_step(const float* w, const float* m, const float* v, const float* g,
                      float* w_out, float* m_out, float* v_out, int n, float b1,
                      float one_minus_b1, float b2, float one_minus_b2, const float* c1p,
                      const float* c2p, float eps, float neg_lr) {
  const v128_t B1 = wasm_f32x4_splat(b1), A1 = wasm_f32x4_splat(one_minus_b1);
  const v128_t B2 = wasm_f32x4_splat(b2), A2 = wasm_f32x4_splat(one_minus_b2);
  const v128_t C1 = wasm_f32x4_splat(*c1p), C2 = wasm_f32x4_splat(*c2p);
  const v128_t E = wasm_f32x4_splat(eps), L = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, A1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2),
                                     wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), A2));
    const v128_t den = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, C2)), E);
    const v128_t step = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(mi, C1), den), L);
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(w_out + i, wasm_f32x4_add(step, wasm_v128_load(w + i)));
  }
  for (; i < n; i++) {
    const float mi = m[i] * b1 + g[i] * one_minus_b1;
    const float vi = v[i] * b2 + (g[i] * g[i]) * one_minus_b2;
    const float den = __builtin_sqrtf(vi / *c2p) + eps;
    m_out[i] = mi;
    v_out[i] = vi;
    w_out[i] = (mi / *c1p) / den * neg_lr + w[i];
  }
}
