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

// out[c * rows + r] = in[r * cols + c], in 8x8 blocks so both sides stay in cache.
EXPORT void transpose2d(const float* in, float* out, int rows, int cols) {
  for (int r0 = 0; r0 < rows; r0 += 8) {
    int r1 = r0 + 8 < rows ? r0 + 8 : rows;
    for (int c0 = 0; c0 < cols; c0 += 8) {
      int c1 = c0 + 8 < cols ? c0 + 8 : cols;
      for (int c = c0; c < c1; c++)
        for (int r = r0; r < r1; r++) out[c * rows + r] = in[r * cols + c];
    }
  }
}

// Transposed im2col from channels-first xt [C, N, H, W]: row (kh*KW + kw)*C + c of out
// holds, for every output pixel p = (n, oh, ow), the input value that tap reads (0 in the
// padding). dW = out x dy is then one plain matrix product.
// Only images n0 .. n0+nc-1 are unfolded, so large batches can go in chunks.
EXPORT void im2col_t(const float* xt, float* out, int C, int N, int n0, int nc, int H, int W,
                     int KH, int KW, int OH, int OW, int sh, int sw, int dh, int dw, int pt,
                     int pl) {
  const int P = nc * OH * OW;
  for (int kh = 0; kh < KH; kh++) {
    for (int kw = 0; kw < KW; kw++) {
      // Valid output columns for this tap: 0 <= ow*sw - pl + kw*dw < W.
      const int off = kw * dw - pl;
      int ow0 = 0;
      while (ow0 < OW && ow0 * sw + off < 0) ow0++;
      int ow1 = ow0;
      while (ow1 < OW && ow1 * sw + off < W) ow1++;
      for (int c = 0; c < C; c++) {
        float* row = out + ((kh * KW + kw) * C + c) * P;
        for (int n = 0; n < nc; n++) {
          const float* plane = xt + (c * N + n0 + n) * H * W;
          for (int oh = 0; oh < OH; oh++) {
            float* dst = row + (n * OH + oh) * OW;
            const int h = oh * sh - pt + kh * dh;
            if (h < 0 || h >= H) {
              zero(dst, OW);
              continue;
            }
            const float* src = plane + h * W + off;
            for (int ow = 0; ow < ow0; ow++) dst[ow] = 0.0f;
            if (sw == 1) {
              copy(dst + ow0, src + ow0, ow1 - ow0);
            } else {
              for (int ow = ow0; ow < ow1; ow++) dst[ow] = src[ow * sw];
            }
            for (int ow = ow1; ow < OW; ow++) dst[ow] = 0.0f;
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
  zero(dx, N * H * W * C);
  const int C4 = C & ~3;
  for (int n = 0; n < N; n++) {
    for (int oh = 0; oh < OH; oh++) {
      int r0 = oh * sh - pt, r1 = r0 + fh;
      if (r0 < 0) r0 = 0;
      if (r1 > H) r1 = H;
      for (int ow = 0; ow < OW; ow++) {
        int c0 = ow * sw - pl, c1 = c0 + fw;
        if (c0 < 0) c0 = 0;
        if (c1 > W) c1 = W;
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

// The inverse of im2col for the input gradient: cols [P, KH*KW*C] (column (kh*KW + kw)*C + c,
// rows p = (n, oh, ow) for images n0 .. n0+nc-1) is added into dx [N, H, W, C] at the
// positions each tap read. dx must be zeroed by the caller before the first chunk.
EXPORT void col2im_add(const float* cols, float* dx, int n0, int nc, int H, int W, int C,
                       int KH, int KW, int OH, int OW, int sh, int sw, int dh, int dw, int pt,
                       int pl) {
  const int K = KH * KW * C;
  const int C4 = C & ~3;
  for (int n = 0; n < nc; n++) {
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const float* src = cols + ((n * OH + oh) * OW + ow) * K;
        for (int kh = 0; kh < KH; kh++) {
          const int h = oh * sh - pt + kh * dh;
          if (h < 0 || h >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            const int w = ow * sw - pl + kw * dw;
            if (w < 0 || w >= W) continue;
            float* dst = dx + (((n0 + n) * H + h) * W + w) * C;
            const float* s = src + (kh * KW + kw) * C;
            int c = 0;
            for (; c < C4; c += 4)
              wasm_v128_store(dst + c, wasm_f32x4_add(wasm_v128_load(dst + c), wasm_v128_load(s + c)));
            for (; c < C; c++) dst[c] += s[c];
          }
        }
      }
    }
  }
}

EXPORT void fill_zero(float* p, int n) { zero(p, n); }

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
  for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
  for (int r = 0; r < rows; r++) {
    const float* row = x + r * C;
    for (int c = 0; c < C; c++) {
      const double v = row[c];
      s1[c] += v;
      s2[c] += v * v;
    }
  }
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
  for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
  for (int r = 0; r < rows; r++) {
    const float* g = dy + r * C;
    const float* xr = x + r * C;
    for (int c = 0; c < C; c++) {
      s1[c] += g[c];
      s2[c] += (double)g[c] * (xr[c] - mean[c]);
    }
  }
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

// dw[K, N] = a[K, P] x b[P, N] for few rows K (a first layer's unfolded input, K = taps x
// 1-3 channels), where XNNPACK's packed GEMM spends more on packing and on streaming b than
// on arithmetic. Register tiles of 4 rows x 8 columns over P-blocks that keep b in cache.
// Adds into out, so chunks of P accumulate.
EXPORT void gemm_few_rows(const float* a, const float* b, float* out, int K, int P, int N) {
  const int PB = 2048;
  const int N8 = N & ~7;
  for (int p0 = 0; p0 < P; p0 += PB) {
    const int p1 = p0 + PB < P ? p0 + PB : P;
    for (int k0 = 0; k0 < K; k0 += 4) {
      const int kn = K - k0 < 4 ? K - k0 : 4;
      const float* a0 = a + (k0 + 0) * P;
      const float* a1 = a + (k0 + (kn > 1 ? 1 : 0)) * P;
      const float* a2 = a + (k0 + (kn > 2 ? 2 : 0)) * P;
      const float* a3 = a + (k0 + (kn > 3 ? 3 : 0)) * P;
      for (int n0 = 0; n0 < N8; n0 += 8) {
        v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
        v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = p0; p < p1; p++) {
          const float* bp = b + p * N + n0;
          const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
          v128_t s = wasm_f32x4_splat(a0[p]);
          c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(s, b0));
          c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(s, b1));
          s = wasm_f32x4_splat(a1[p]);
          c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(s, b0));
          c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(s, b1));
          s = wasm_f32x4_splat(a2[p]);
          c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(s, b0));
          c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(s, b1));
          s = wasm_f32x4_splat(a3[p]);
          c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(s, b0));
          c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(s, b1));
        }
        const v128_t acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
        for (int r = 0; r < kn; r++) {
          float* o = out + (k0 + r) * N + n0;
          wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), acc[2 * r]));
          wasm_v128_store(o + 4, wasm_f32x4_add(wasm_v128_load(o + 4), acc[2 * r + 1]));
        }
      }
      for (int n = N8; n < N; n++) {
        for (int r = 0; r < kn; r++) {
          const float* ar = a + (k0 + r) * P;
          float s = 0.0f;
          for (int p = p0; p < p1; p++) s += ar[p] * b[p * N + n];
          out[(k0 + r) * N + n] += s;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Packed GEMM (BLIS-style): c[M, N] (+)= a[M, K] x b[K, N] with any element strides, so a
// transposed operand costs nothing extra (the packing reads it in whichever order). Built
// twice by scripts/build-native.mjs: into kernels.wasm with MADD as f32x4.mul then add (two
// roundings), and into kernels-relaxed.wasm with f32x4.relaxed_madd (V8 lowers it to one
// vfmadd on x86 with FMA: one rounding per multiply-add). Either way each output is a sum of
// K products accumulated in float32 in k order within a KC block, so its error is bounded by
// about K * 2^-24 * sum|a*b| (mul+add) or a little less (FMA drops the product's rounding);
// the gradient grids' tolerances are far above both (see docs/design.md).
//
// Loops: jc over N by NC, pc over K by KC (b's block packed into NR-wide panels, which stay
// in L2), ic over M by MC (a's block packed into MR-tall panels, in L2), then MR x NR
// register tiles whose KC-long panels stream from L1/L2.
#ifdef RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#endif

// 4 x 8 tiles (8 accumulators) measured faster than 6 x 8 (12) under V8 on x86, whose 16
// xmm registers must also hold the b row and the broadcast a value.
#ifndef GEMM_MR
#define GEMM_MR 4
#endif
#define GEMM_NR 8
#ifndef GEMM_KC
#define GEMM_KC 256
#endif
#define GEMM_MC 96
#define GEMM_NC 1024
// a's packed block rounded up to whole MR panels.
#define GEMM_MC_PACKED ((GEMM_MC + GEMM_MR - 1) / GEMM_MR * GEMM_MR)

// Packs a[m0.., k0..] (mc x kc) into MR-row panels: panel i holds, for each k, its MR values
// of column k (zeros past the last row), the order the micro-kernel reads them in.
static void pack_a(const float* a, int ars, int acs, int mc, int kc, float* out) {
  for (int i0 = 0; i0 < mc; i0 += GEMM_MR) {
    const int mr = mc - i0 < GEMM_MR ? mc - i0 : GEMM_MR;
    const float* src = a + i0 * ars;
    if (mr == GEMM_MR && acs == 1) {
      // Rows contiguous in k (an unfolded image, or a weight matrix read as is).
      for (int k = 0; k < kc; k++) {
        for (int r = 0; r < GEMM_MR; r++) out[r] = src[r * ars + k];
        out += GEMM_MR;
      }
      continue;
    }
    if (mr == GEMM_MR && ars == 1) {
      // Columns contiguous in i (dy read as dy^T: each pixel's channels side by side).
      for (int k = 0; k < kc; k++) {
        for (int r = 0; r < GEMM_MR; r++) out[r] = src[k * acs + r];
        out += GEMM_MR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      int r = 0;
      for (; r < mr; r++) out[r] = src[r * ars + k * acs];
      for (; r < GEMM_MR; r++) out[r] = 0.0f;
      out += GEMM_MR;
    }
  }
}

// Packs b[k0.., n0..] (kc x nc) into NR-column panels (zeros past the last column).
static void pack_b(const float* b, int brs, int bcs, int kc, int nc, float* out) {
  for (int j0 = 0; j0 < nc; j0 += GEMM_NR) {
    const int nr = nc - j0 < GEMM_NR ? nc - j0 : GEMM_NR;
    const float* src = b + j0 * bcs;
    if (nr == GEMM_NR && bcs == 1) {
      for (int k = 0; k < kc; k++) {
        const float* s = src + k * brs;
        wasm_v128_store(out, wasm_v128_load(s));
        wasm_v128_store(out + 4, wasm_v128_load(s + 4));
        out += GEMM_NR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      int j = 0;
      for (; j < nr; j++) out[j] = src[k * brs + j * bcs];
      for (; j < GEMM_NR; j++) out[j] = 0.0f;
      out += GEMM_NR;
    }
  }
}

// One MR x NR tile: acc = sum over kc of ap[k] (column) x bp[k] (row); then c = acc, or
// c += acc when `add`. Partial tiles (mr < MR or nr < NR) write only their part. The loops
// over the tile have constant bounds, so clang unrolls them and acc lives in registers.
static void micro_tile(int kc, const float* ap, const float* bp, float* c, int ldc, int mr,
                       int nr, int add) {
  v128_t acc[GEMM_MR][2];
  for (int r = 0; r < GEMM_MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < kc; k++) {
    const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    for (int r = 0; r < GEMM_MR; r++) {
      const v128_t a = wasm_v128_load32_splat(ap + r);
      acc[r][0] = MADD(a, b0, acc[r][0]);
      acc[r][1] = MADD(a, b1, acc[r][1]);
    }
    ap += GEMM_MR;
    bp += GEMM_NR;
  }
  if (nr == GEMM_NR) {
    for (int r = 0; r < mr; r++) {
      float* o = c + r * ldc;
      v128_t x0 = acc[r][0], x1 = acc[r][1];
      if (add) {
        x0 = wasm_f32x4_add(x0, wasm_v128_load(o));
        x1 = wasm_f32x4_add(x1, wasm_v128_load(o + 4));
      }
      wasm_v128_store(o, x0);
      wasm_v128_store(o + 4, x1);
    }
    return;
  }
  float tile[GEMM_MR * GEMM_NR];
  for (int r = 0; r < GEMM_MR; r++) {
    wasm_v128_store(tile + r * GEMM_NR, acc[r][0]);
    wasm_v128_store(tile + r * GEMM_NR + 4, acc[r][1]);
  }
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) {
      const float v = tile[r * GEMM_NR + j];
      c[r * ldc + j] = add ? c[r * ldc + j] + v : v;
    }
}

// All MR x NR tiles of an mc x nc block of c from packed a (mc x kc) and b (kc x nc).
static void tiles(const float* apack, const float* bpack, int mc, int nc, int kc, float* c,
                  int ldc, int add) {
  for (int jr = 0; jr < nc; jr += GEMM_NR) {
    const int nr = nc - jr < GEMM_NR ? nc - jr : GEMM_NR;
    const float* bp = bpack + jr * kc;
    for (int ir = 0; ir < mc; ir += GEMM_MR) {
      const int mr = mc - ir < GEMM_MR ? mc - ir : GEMM_MR;
      micro_tile(kc, apack + ir * kc, bp, c + ir * ldc + jr, ldc, mr, nr, add);
    }
  }
}

// c[M, N] = a x b (add = 0) or c += a x b (add = 1); a's element (i, k) at
// a[i*ars + k*acs], b's (k, j) at b[k*brs + j*bcs], c row-major with row stride ldc.
// scratch: gemm_scratch_floats() floats, 16-byte aligned.
EXPORT void gemm(int M, int N, int K, const float* a, int ars, int acs, const float* b, int brs,
                 int bcs, float* c, int ldc, int add, float* scratch) {
  float* bpack = scratch;
  float* apack = scratch + GEMM_KC * GEMM_NC;
  if (K == 0) {
    if (!add)
      for (int i = 0; i < M; i++) zero(c + i * ldc, N);
    return;
  }
  for (int jc = 0; jc < N; jc += GEMM_NC) {
    const int nc = N - jc < GEMM_NC ? N - jc : GEMM_NC;
    for (int pc = 0; pc < K; pc += GEMM_KC) {
      const int kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
      const int accumulate = add || pc > 0;
      pack_b(b + pc * brs + jc * bcs, brs, bcs, kc, nc, bpack);
      for (int ic = 0; ic < M; ic += GEMM_MC) {
        const int mc = M - ic < GEMM_MC ? M - ic : GEMM_MC;
        pack_a(a + ic * ars + pc * acs, ars, acs, mc, kc, apack);
        tiles(apack, bpack, mc, nc, kc, c + ic * ldc + jc, ldc, accumulate);
      }
    }
  }
}

EXPORT int gemm_scratch_floats(void) { return GEMM_KC * GEMM_NC + GEMM_MC_PACKED * GEMM_KC; }

// Convolution geometry, NHWC input x [N, H, W, C] and output pixels [N, OH, OW].
typedef struct {
  int N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl;
} conv_geom;

// Packs rows j0 .. j0+nc-1 of the unfolded input (row r = (kh*KW + kw)*C + c) for pixels
// p0 .. p0+kc-1 into NR-row panels, straight from NHWC x: the im2col matrix is never
// written. Rows of one panel that share a tap are NR consecutive channels of one pixel,
// so with C % NR == 0 each pixel costs two vector copies (or zeros in the padding).
static void pack_unfolded(const float* x, const conv_geom* g, int p0, int kc, int j0, int nc,
                          float* out) {
  // Per panel: its tap's offsets and first channel, or -1 when it is not NR channels of one
  // tap (tails, C % NR != 0), which then go element by element.
  enum { MAX_PANELS = GEMM_NC / GEMM_NR };
  int offh[MAX_PANELS], offw[MAX_PANELS], chan[MAX_PANELS];
  const int panels = (nc + GEMM_NR - 1) / GEMM_NR;
  for (int q = 0; q < panels; q++) {
    const int r0 = j0 + q * GEMM_NR, tap = r0 / g->C;
    const int whole = j0 + nc - r0 >= GEMM_NR && r0 % g->C + GEMM_NR <= g->C;
    offh[q] = (tap / g->KW) * g->dh;
    offw[q] = (tap % g->KW) * g->dw;
    chan[q] = whole ? r0 % g->C : -1;
  }
  const int opix = g->OH * g->OW;
  int n = p0 / opix, oh = (p0 % opix) / g->OW, ow = p0 % g->OW;
  for (int k = 0; k < kc; k++) {
    const int hb = oh * g->sh - g->pt, wb = ow * g->sw - g->pl;
    const float* img = x + n * g->H * g->W * g->C;
    float* o = out + k * GEMM_NR;
    for (int q = 0; q < panels; q++, o += kc * GEMM_NR) {
      const int h = hb + offh[q], w = wb + offw[q];
      const int inside = h >= 0 && h < g->H && w >= 0 && w < g->W;
      if (chan[q] >= 0) {
        if (inside) {
          const float* s = img + (h * g->W + w) * g->C + chan[q];
          wasm_v128_store(o, wasm_v128_load(s));
          wasm_v128_store(o + 4, wasm_v128_load(s + 4));
        } else {
          wasm_v128_store(o, wasm_f32x4_splat(0.0f));
          wasm_v128_store(o + 4, wasm_f32x4_splat(0.0f));
        }
        continue;
      }
      const int r0 = j0 + q * GEMM_NR;
      for (int j = 0; j < GEMM_NR; j++) {
        const int r = r0 + j, t = r / g->C, c = r % g->C;
        const int hh = hb + (t / g->KW) * g->dh, ww = wb + (t % g->KW) * g->dw;
        const int in = r < j0 + nc && hh >= 0 && hh < g->H && ww >= 0 && ww < g->W;
        o[j] = in ? img[(hh * g->W + ww) * g->C + c] : 0.0f;
      }
    }
    if (++ow == g->OW) {
      ow = 0;
      if (++oh == g->OH) {
        oh = 0;
        n++;
      }
    }
  }
}

// Filter gradient as one GEMM without an im2col matrix: dwt[Co, R] = dy^T[Co, P] x
// unfold(x)[P, R], R = KH*KW*C, P = N*OH*OW, summed over pixels in KC blocks. dy is
// [P, Co] (NHWC), read as its transpose by the packing; dwt is the filter's transpose
// (the caller transposes it to [KH, KW, C, Co]). The vector dimension is R, because the
// unfolded rows of one tap are contiguous channels of x.
EXPORT void conv_filter_grad(const float* x, const float* dy, float* dwt, int N, int H, int W,
                             int C, int KH, int KW, int OH, int OW, int sh, int sw, int dh,
                             int dw, int pt, int pl, int Co, float* scratch) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int R = KH * KW * C, P = N * OH * OW;
  float* bpack = scratch;
  float* apack = scratch + GEMM_KC * GEMM_NC;
  if (P == 0) {
    zero(dwt, Co * R);
    return;
  }
  for (int jc = 0; jc < R; jc += GEMM_NC) {
    const int nc = R - jc < GEMM_NC ? R - jc : GEMM_NC;
    for (int pc = 0; pc < P; pc += GEMM_KC) {
      const int kc = P - pc < GEMM_KC ? P - pc : GEMM_KC;
      pack_unfolded(x, &g, pc, kc, jc, nc, bpack);
      for (int ic = 0; ic < Co; ic += GEMM_MC) {
        const int mc = Co - ic < GEMM_MC ? Co - ic : GEMM_MC;
        pack_a(dy + pc * Co + ic, 1, Co, mc, kc, apack);
        tiles(apack, bpack, mc, nc, kc, dwt + ic * R + jc, R, pc > 0);
      }
    }
  }
}

// Packs pixels p0 .. p0+mc-1 (MR per panel, zeros past the last) of the unfolded input for
// unfolded columns r0 .. r0+kc-1 (r = (kh*KW + kw)*C + c): panel i holds, for each r, its MR
// pixels' values. Read straight from NHWC x, four channels of the MR = 4 pixels at a time
// with a 4 x 4 transpose, so the im2col matrix is never written.
static void pack_pixels(const float* x, const conv_geom* g, int p0, int mc, int r0, int kc,
                        float* out) {
  const int opix = g->OH * g->OW;
  const int P = g->N * opix;
  for (int i0 = 0; i0 < mc; i0 += GEMM_MR) {
    // Per pixel of the panel: its image and the input position of tap (0, 0).
    const float* img[GEMM_MR];
    int hb[GEMM_MR], wb[GEMM_MR];
    for (int i = 0; i < GEMM_MR; i++) {
      const int p = p0 + i0 + i;
      if (i0 + i >= mc || p >= P) {
        img[i] = 0;
        hb[i] = wb[i] = 0;
        continue;
      }
      const int n = p / opix, oh = (p % opix) / g->OW, ow = p % g->OW;
      img[i] = x + n * g->H * g->W * g->C;
      hb[i] = oh * g->sh - g->pt;
      wb[i] = ow * g->sw - g->pl;
    }
    float* o = out + i0 * kc;
    int r = r0;
    const int r1 = r0 + kc;
    while (r < r1) {
      const int tap = r / g->C, c0 = r % g->C;
      const int c1 = g->C < c0 + (r1 - r) ? g->C : c0 + (r1 - r);
      const int dh = (tap / g->KW) * g->dh, dw = (tap % g->KW) * g->dw;
      const float* src[GEMM_MR];
      for (int i = 0; i < GEMM_MR; i++) {
        const int h = hb[i] + dh, w = wb[i] + dw;
        src[i] = img[i] && h >= 0 && h < g->H && w >= 0 && w < g->W
                     ? img[i] + (h * g->W + w) * g->C
                     : 0;
      }
      int c = c0;
#if GEMM_MR == 4
      const v128_t z = wasm_f32x4_splat(0.0f);
      for (; c + 4 <= c1; c += 4) {
        const v128_t v0 = src[0] ? wasm_v128_load(src[0] + c) : z;
        const v128_t v1 = src[1] ? wasm_v128_load(src[1] + c) : z;
        const v128_t v2 = src[2] ? wasm_v128_load(src[2] + c) : z;
        const v128_t v3 = src[3] ? wasm_v128_load(src[3] + c) : z;
        const v128_t t0 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5);
        const v128_t t1 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5);
        const v128_t t2 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7);
        const v128_t t3 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
        wasm_v128_store(o, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
        wasm_v128_store(o + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
        wasm_v128_store(o + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
        wasm_v128_store(o + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
        o += 16;
      }
#endif
      for (; c < c1; c++) {
        for (int i = 0; i < GEMM_MR; i++) o[i] = src[i] ? src[i][c] : 0.0f;
        o += GEMM_MR;
      }
      r += c1 - c0;
    }
  }
}

// Convolution as one GEMM without an im2col matrix: y[P, Co] = unfold(x)[P, R] x w[R, Co]
// (+ bias, then relu when `relu`), x and y NHWC, w [KH, KW, C, Co]. Pixels go in MC blocks
// (each packed straight from x), w is packed once. Returns 0, or 1 without touching y when
// packed w would not fit the scratch (the caller then uses XNNPACK).
EXPORT int conv_forward(const float* x, const float* w, const float* bias, float* y, int N,
                        int H, int W, int C, int KH, int KW, int OH, int OW, int sh, int sw,
                        int dh, int dw, int pt, int pl, int Co, int relu, float* scratch) {
  const conv_geom g = {N, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl};
  const int R = KH * KW * C, P = N * OH * OW;
  const int Npad = (Co + GEMM_NR - 1) / GEMM_NR * GEMM_NR;
  if ((long long)R * Npad > (long long)GEMM_KC * GEMM_NC) return 1;
  float* bpack = scratch;
  float* apack = scratch + GEMM_KC * GEMM_NC;
  for (int pc = 0; pc < R; pc += GEMM_KC) {
    const int kc = R - pc < GEMM_KC ? R - pc : GEMM_KC;
    pack_b(w + pc * Co, Co, 1, kc, Co, bpack + pc * Npad);
  }
  for (int ic = 0; ic < P; ic += GEMM_MC) {
    const int mc = P - ic < GEMM_MC ? P - ic : GEMM_MC;
    float* yb = y + ic * Co;
    for (int pc = 0; pc < R; pc += GEMM_KC) {
      const int kc = R - pc < GEMM_KC ? R - pc : GEMM_KC;
      pack_pixels(x, &g, ic, mc, pc, kc, apack);
      tiles(apack, bpack + pc * Npad, mc, Co, kc, yb, Co, pc > 0);
    }
    if (R == 0) zero(yb, mc * Co);
    if (bias || relu) {
      // The block's rows are still in cache: bias and relu cost no extra pass over y.
      for (int i = 0; i < mc; i++) {
        float* row = yb + i * Co;
        for (int j = 0; j < Co; j++) {
          float v = row[j] + (bias ? bias[j] : 0.0f);
          row[j] = relu && v < 0.0f ? 0.0f : v;
        }
      }
    }
  }
  return 0;
}
