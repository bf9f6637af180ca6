/*
 * A baseline JPEG decoder that reproduces libjpeg-turbo's default output bit for bit (what
 * PIL, hence torchvision, and sharp decode): the islow integer IDCT (jidctint.c), "fancy"
 * triangle upsampling of 4:2:2 and 4:2:0 chroma (jdsample.c) and the fixed-point YCbCr to
 * RGB tables (jdcolor.c). It takes only what it can do exactly and fast: 8-bit baseline or
 * extended Huffman, one interleaved scan, grey or YCbCr with 4:4:4, 4:2:2 or 4:2:0 chroma,
 * restart markers. Anything else (progressive, arithmetic coding, CMYK, RGB, other sampling,
 * corrupt or truncated data) returns an error code, and the caller decodes with sharp.
 *
 * No allocation: the caller passes a work area of the size jpeg_header reports.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

enum { OK = 0, E_FORMAT = 1, E_UNSUPPORTED = 2, E_CORRUPT = 3, E_SPACE = 4 };

typedef struct {
  uint8_t look_len[512]; /* 9-bit lookahead: code length, 0 if longer */
  uint8_t look_val[512];
  /*
   * For AC tables, a 9-bit lookahead that decodes a whole coefficient when its code and its
   * magnitude bits fit in 9 bits: value << 8 | run << 4 | bits used; 0 otherwise.
   */
  int16_t fast_ac[512];
  int32_t maxcode[18];   /* largest code of each length, -1 if none */
  int32_t valoff[17];    /* index of a length's first value minus its first code */
  uint8_t vals[256];
  int defined;
} Huff;

typedef struct {
  int id, h, v, tq, td, ta;
  int bw, bh;   /* blocks across and down, padded to whole MCUs */
  int dw, dh;   /* sample width and height: ceil(image size * h / hmax) */
  uint8_t *plane;
  int pred;
} Comp;

typedef struct {
  int32_t qt[4][64]; /* natural order */
  int qdefined[4];
  Huff dc[4], ac[4];
  Comp comp[3];
  int ncomp, width, height, hmax, vmax, mcux, mcuy, restart;
  int jfif, adobe, adobe_transform;
  const uint8_t *scan, *end; /* entropy-coded data */
  /* bit reader */
  const uint8_t *p;
  uint64_t bits;
  int nbits, pad;
} Dec;

static const uint8_t ZIGZAG[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

static inline int be16(const uint8_t *p) { return (p[0] << 8) | p[1]; }

static inline int clamp8(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

static void zero(void *dst, int n) {
  uint8_t *d = (uint8_t *)dst;
  int i = 0;
  for (; i + 16 <= n; i += 16) wasm_v128_store(d + i, wasm_i32x4_splat(0));
  for (; i < n; i++) d[i] = 0;
}

static int build_huff(Huff *h, const uint8_t *counts, const uint8_t *vals, int nvals) {
  zero(h, sizeof(Huff));
  for (int i = 0; i < nvals; i++) h->vals[i] = vals[i];
  int code = 0, k = 0;
  for (int len = 1; len <= 16; len++) {
    int n = counts[len - 1];
    h->valoff[len] = k - code;
    for (int i = 0; i < n; i++, k++, code++) {
      if (len <= 9) {
        int shift = 9 - len;
        for (int j = 0; j < (1 << shift); j++) {
          h->look_len[(code << shift) | j] = (uint8_t)len;
          h->look_val[(code << shift) | j] = vals[k];
        }
      }
    }
    h->maxcode[len] = n ? code - 1 : -1;
    if (code > (1 << len)) return E_CORRUPT;
    code <<= 1;
  }
  h->maxcode[17] = 0x7fffffff;
  for (int i = 0; i < 512; i++) {
    int len = h->look_len[i], sym = h->look_val[i];
    int run = sym >> 4, size = sym & 15;
    if (!len || !size || len + size > 9) continue;
    int m = (i >> (9 - len - size)) & ((1 << size) - 1);
    int v = m < (1 << (size - 1)) ? m - (1 << size) + 1 : m;
    if (v < -128 || v > 127) continue;
    h->fast_ac[i] = (int16_t)(v * 256 + run * 16 + len + size);
  }
  h->defined = 1;
  return OK;
}

/* Parses the markers up to the first scan. */
static int parse(Dec *d, const uint8_t *data, int size) {
  const uint8_t *p = data, *end = data + size;
  if (size < 4 || p[0] != 0xFF || p[1] != 0xD8) return E_FORMAT;
  p += 2;
  int sof = 0;
  for (;;) {
    while (p < end && *p != 0xFF) p++; /* tolerate junk between markers, as libjpeg */
    while (p < end && *p == 0xFF) p++;
    if (p + 3 > end) return E_CORRUPT;
    int marker = *p++;
    int len = be16(p);
    if (len < 2 || p + len > end) return E_CORRUPT;
    const uint8_t *s = p + 2, *e = p + len;
    switch (marker) {
      case 0xC0:
      case 0xC1: {
        if (len < 8 || s[0] != 8) return E_UNSUPPORTED;
        d->height = be16(s + 1);
        d->width = be16(s + 3);
        d->ncomp = s[5];
        if (d->height == 0 || d->width == 0) return E_UNSUPPORTED;
        if (d->ncomp != 1 && d->ncomp != 3) return E_UNSUPPORTED;
        if (len < 8 + 3 * d->ncomp) return E_CORRUPT;
        for (int i = 0; i < d->ncomp; i++) {
          Comp *c = &d->comp[i];
          c->id = s[6 + 3 * i];
          c->h = s[7 + 3 * i] >> 4;
          c->v = s[7 + 3 * i] & 15;
          c->tq = s[8 + 3 * i];
          if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4 || c->tq > 3) return E_CORRUPT;
        }
        sof = 1;
        break;
      }
      case 0xC2: case 0xC3: case 0xC5: case 0xC6: case 0xC7: case 0xC9: case 0xCA:
      case 0xCB: case 0xCD: case 0xCE: case 0xCF:
        return E_UNSUPPORTED;
      case 0xC4:
        while (s < e) {
          if (s + 17 > e) return E_CORRUPT;
          int tc = s[0] >> 4, th = s[0] & 15, n = 0;
          for (int i = 0; i < 16; i++) n += s[1 + i];
          if (tc > 1 || th > 3 || n > 256 || s + 17 + n > e) return E_CORRUPT;
          int r = build_huff(tc ? &d->ac[th] : &d->dc[th], s + 1, s + 17, n);
          if (r) return r;
          s += 17 + n;
        }
        break;
      case 0xDB:
        while (s < e) {
          int pq = s[0] >> 4, tq = s[0] & 15;
          if (pq > 1 || tq > 3 || s + 1 + 64 * (pq + 1) > e) return E_CORRUPT;
          for (int i = 0; i < 64; i++) {
            d->qt[tq][ZIGZAG[i]] = pq ? be16(s + 1 + 2 * i) : s[1 + i];
          }
          d->qdefined[tq] = 1;
          s += 1 + 64 * (pq + 1);
        }
        break;
      case 0xDD:
        if (len < 4) return E_CORRUPT;
        d->restart = be16(s);
        break;
      case 0xE0:
        if (len >= 7 && s[0] == 'J' && s[1] == 'F' && s[2] == 'I' && s[3] == 'F' && s[4] == 0) d->jfif = 1;
        break;
      case 0xEE:
        if (len >= 14 && s[0] == 'A' && s[1] == 'd' && s[2] == 'o' && s[3] == 'b' && s[4] == 'e') {
          d->adobe = 1;
          d->adobe_transform = s[11];
        }
        break;
      case 0xDA: {
        if (!sof) return E_CORRUPT;
        int ns = s[0];
        /* One interleaved scan with every component (or the only one), spectral 0..63. */
        if (ns != d->ncomp || len != 6 + 2 * ns) return E_UNSUPPORTED;
        for (int i = 0; i < ns; i++) {
          int id = s[1 + 2 * i], tables = s[2 + 2 * i];
          Comp *c = 0;
          for (int j = 0; j < d->ncomp; j++) {
            if (d->comp[j].id == id) c = &d->comp[j];
          }
          if (!c || c != &d->comp[i]) return E_UNSUPPORTED;
          c->td = tables >> 4;
          c->ta = tables & 15;
          if (c->td > 3 || c->ta > 3 || !d->dc[c->td].defined || !d->ac[c->ta].defined) return E_CORRUPT;
          if (!d->qdefined[c->tq]) return E_CORRUPT;
        }
        const uint8_t *t = s + 1 + 2 * ns;
        if (t[0] != 0 || t[1] != 63 || t[2] != 0) return E_UNSUPPORTED;
        d->scan = e;
        d->end = end;
        return OK;
      }
      case 0xD9:
        return E_CORRUPT;
      default:
        break; /* APPn, COM and the rest carry nothing the pixels need */
    }
    p = e;
  }
}

/* Which layouts are decoded here; fills the derived sizes. */
static int plan(Dec *d) {
  if (d->ncomp == 3) {
    /* libjpeg's colour-space guess: only YCbCr is decoded here. */
    if (d->adobe && d->adobe_transform == 0 && !d->jfif) return E_UNSUPPORTED;
    if (!d->jfif && !d->adobe && d->comp[0].id == 'R' && d->comp[1].id == 'G' && d->comp[2].id == 'B')
      return E_UNSUPPORTED;
    Comp *y = &d->comp[0], *cb = &d->comp[1], *cr = &d->comp[2];
    if (cb->h != 1 || cb->v != 1 || cr->h != 1 || cr->v != 1) return E_UNSUPPORTED;
    if (!((y->h == 1 && y->v == 1) || (y->h == 2 && y->v == 1) || (y->h == 2 && y->v == 2)))
      return E_UNSUPPORTED;
    d->hmax = y->h;
    d->vmax = y->v;
    d->mcux = (d->width + 8 * d->hmax - 1) / (8 * d->hmax);
    d->mcuy = (d->height + 8 * d->vmax - 1) / (8 * d->vmax);
    for (int i = 0; i < 3; i++) {
      Comp *c = &d->comp[i];
      c->bw = d->mcux * c->h;
      c->bh = d->mcuy * c->v;
      c->dw = (d->width * c->h + d->hmax - 1) / d->hmax;
      c->dh = (d->height * c->v + d->vmax - 1) / d->vmax;
    }
    /* The triangle filters need two chroma samples each way. */
    if (d->hmax == 2 && cb->dw < 2) return E_UNSUPPORTED;
  } else {
    /* A single-component scan is not interleaved: one block per MCU, whatever h and v say. */
    Comp *c = &d->comp[0];
    c->h = c->v = 1;
    d->hmax = d->vmax = 1;
    d->mcux = c->bw = c->dw = (d->width + 7) / 8;
    d->mcuy = c->bh = c->dh = (d->height + 7) / 8;
    c->dw = d->width;
    c->dh = d->height;
  }
  return OK;
}

static int work_bytes(const Dec *d) {
  int n = (int)((sizeof(Dec) + 15) & ~15);
  for (int i = 0; i < d->ncomp; i++) n += d->comp[i].bw * 8 * d->comp[i].bh * 8 + 16;
  /* two upsampled chroma rows and a row of column sums, with room for whole vectors */
  n += 4 * (d->width + 64) * 4;
  return n;
}

/* ---------------------------------------------------------------- bits and Huffman codes */

typedef uint64_t u64_unaligned __attribute__((aligned(1)));

static inline void fill(Dec *d) {
  /* Eight bytes without an 0xFF (no stuffing, no marker) go in at once. */
  if (d->end - d->p >= 8) {
    uint64_t v = *(const u64_unaligned *)d->p;
    uint64_t n = ~v;
    if (!((n - 0x0101010101010101ull) & ~n & 0x8080808080808080ull)) {
      int take = (64 - d->nbits) >> 3;
      int partial = 64 - d->nbits - take * 8; /* bits of a byte that does not fit whole */
      v = __builtin_bswap64(v);
      d->bits |= (v >> d->nbits) & ~((1ull << partial) - 1);
      d->nbits += take * 8;
      d->p += take;
      return;
    }
  }
  while (d->nbits <= 56) {
    uint32_t b;
    if (d->p >= d->end) {
      b = 0;
      d->pad += 8;
    } else if (d->p[0] == 0xFF) {
      if (d->p + 1 < d->end && d->p[1] == 0x00) {
        b = 0xFF;
        d->p += 2;
      } else {
        b = 0; /* a marker: feed zeros, as libjpeg does, and do not pass it */
        d->pad += 8;
      }
    } else {
      b = *d->p++;
    }
    d->bits |= (uint64_t)b << (56 - d->nbits);
    d->nbits += 8;
  }
}

static inline int get_bits(Dec *d, int n) {
  if (d->nbits < n) fill(d);
  int v = (int)(d->bits >> (64 - n));
  d->bits <<= n;
  d->nbits -= n;
  return v;
}

static inline int decode(Dec *d, const Huff *h) {
  if (d->nbits < 16) fill(d);
  int look = (int)(d->bits >> (64 - 9));
  int len = h->look_len[look];
  if (len) {
    d->bits <<= len;
    d->nbits -= len;
    return h->look_val[look];
  }
  for (len = 10; len <= 16; len++) {
    int code = (int)(d->bits >> (64 - len));
    if (code <= h->maxcode[len]) {
      d->bits <<= len;
      d->nbits -= len;
      return h->vals[(h->valoff[len] + code) & 255];
    }
  }
  return -1;
}

static inline int extend(int v, int n) { return v < (1 << (n - 1)) ? v - (1 << n) + 1 : v; }

/* ------------------------------------------------------------------------- islow IDCT */

#define CONST_BITS 13
#define PASS1_BITS 2
#define FIX_0_298631336 2446
#define FIX_0_390180644 3196
#define FIX_0_541196100 4433
#define FIX_0_765366865 6270
#define FIX_0_899976223 7373
#define FIX_1_175875602 9633
#define FIX_1_501321110 12299
#define FIX_1_847759065 15137
#define FIX_1_961570560 16069
#define FIX_2_053119869 16819
#define FIX_2_562915447 20995
#define FIX_3_072711026 25172

#define V(x) wasm_i32x4_splat(x)
#define ADD wasm_i32x4_add
#define SUB wasm_i32x4_sub
#define MUL wasm_i32x4_mul
#define SHL wasm_i32x4_shl
#define SHR wasm_i32x4_shr

/*
 * One 1-D pass of jidctint.c over four columns at once: in[k] holds coefficient row k for
 * those columns; out[k] gets (value + round) >> shift.
 */
static inline void idct_pass(const v128_t *in, v128_t *out, int shift) {
  v128_t z2 = in[2], z3 = in[6];
  v128_t z1 = MUL(ADD(z2, z3), V(FIX_0_541196100));
  v128_t tmp2 = ADD(z1, MUL(z3, V(-FIX_1_847759065)));
  v128_t tmp3 = ADD(z1, MUL(z2, V(FIX_0_765366865)));
  v128_t tmp0 = SHL(ADD(in[0], in[4]), CONST_BITS);
  v128_t tmp1 = SHL(SUB(in[0], in[4]), CONST_BITS);
  v128_t tmp10 = ADD(tmp0, tmp3), tmp13 = SUB(tmp0, tmp3);
  v128_t tmp11 = ADD(tmp1, tmp2), tmp12 = SUB(tmp1, tmp2);
  tmp0 = in[7];
  tmp1 = in[5];
  tmp2 = in[3];
  tmp3 = in[1];
  z1 = ADD(tmp0, tmp3);
  z2 = ADD(tmp1, tmp2);
  z3 = ADD(tmp0, tmp2);
  v128_t z4 = ADD(tmp1, tmp3);
  v128_t z5 = MUL(ADD(z3, z4), V(FIX_1_175875602));
  tmp0 = MUL(tmp0, V(FIX_0_298631336));
  tmp1 = MUL(tmp1, V(FIX_2_053119869));
  tmp2 = MUL(tmp2, V(FIX_3_072711026));
  tmp3 = MUL(tmp3, V(FIX_1_501321110));
  z1 = MUL(z1, V(-FIX_0_899976223));
  z2 = MUL(z2, V(-FIX_2_562915447));
  z3 = ADD(MUL(z3, V(-FIX_1_961570560)), z5);
  z4 = ADD(MUL(z4, V(-FIX_0_390180644)), z5);
  tmp0 = ADD(tmp0, ADD(z1, z3));
  tmp1 = ADD(tmp1, ADD(z2, z4));
  tmp2 = ADD(tmp2, ADD(z2, z3));
  tmp3 = ADD(tmp3, ADD(z1, z4));
  v128_t r = V(1 << (shift - 1));
  out[0] = SHR(ADD(ADD(tmp10, tmp3), r), shift);
  out[7] = SHR(ADD(SUB(tmp10, tmp3), r), shift);
  out[1] = SHR(ADD(ADD(tmp11, tmp2), r), shift);
  out[6] = SHR(ADD(SUB(tmp11, tmp2), r), shift);
  out[2] = SHR(ADD(ADD(tmp12, tmp1), r), shift);
  out[5] = SHR(ADD(SUB(tmp12, tmp1), r), shift);
  out[3] = SHR(ADD(ADD(tmp13, tmp0), r), shift);
  out[4] = SHR(ADD(SUB(tmp13, tmp0), r), shift);
}

static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *e) {
  v128_t t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5);
  v128_t t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*c, *e, 0, 4, 1, 5);
  v128_t t3 = wasm_i32x4_shuffle(*c, *e, 2, 6, 3, 7);
  *a = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *b = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *c = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *e = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/* Transposes an 8x8 block held as [row][half] vectors of four. */
static inline void transpose8(v128_t m[8][2]) {
  transpose4(&m[0][0], &m[1][0], &m[2][0], &m[3][0]);
  transpose4(&m[4][1], &m[5][1], &m[6][1], &m[7][1]);
  transpose4(&m[0][1], &m[1][1], &m[2][1], &m[3][1]);
  transpose4(&m[4][0], &m[5][0], &m[6][0], &m[7][0]);
  for (int i = 0; i < 4; i++) {
    v128_t t = m[i][1];
    m[i][1] = m[i + 4][0];
    m[i + 4][0] = t;
  }
}

/* Dequantized coefficients (natural order) to 8x8 samples at out (row stride `stride`). */
static void idct_block(const int32_t *coef, uint8_t *out, int stride) {
  v128_t m[8][2], col[8], res[8];
  for (int half = 0; half < 2; half++) {
    for (int k = 0; k < 8; k++) col[k] = wasm_v128_load(coef + k * 8 + half * 4);
    idct_pass(col, res, CONST_BITS - PASS1_BITS);
    for (int k = 0; k < 8; k++) m[k][half] = res[k];
  }
  /* m[k][half] is work-array row k; rows become columns for the second pass. */
  transpose8(m);
  for (int half = 0; half < 2; half++) {
    for (int k = 0; k < 8; k++) col[k] = m[k][half];
    idct_pass(col, res, CONST_BITS + PASS1_BITS + 3);
    for (int k = 0; k < 8; k++) m[k][half] = ADD(res[k], V(128));
  }
  transpose8(m);
  for (int r = 0; r < 8; r++) {
    v128_t w = wasm_i16x8_narrow_i32x4(m[r][0], m[r][1]);
    v128_t b = wasm_u8x16_narrow_i16x8(w, w);
    wasm_v128_store64_lane(out + r * stride, b, 0);
  }
}

/* --------------------------------------------------------------------------- the scan */

static int decode_scan(Dec *d) {
  int32_t coef[64] __attribute__((aligned(16)));
  d->p = d->scan;
  d->bits = 0;
  d->nbits = 0;
  d->pad = 0;
  int mcus = d->mcux * d->mcuy, left = d->restart, next_rst = 0;
  for (int i = 0; i < d->ncomp; i++) d->comp[i].pred = 0;
  for (int m = 0; m < mcus; m++) {
    if (d->restart && left == 0) {
      /* Bits up to the marker are padding; the marker must be the next RSTn. */
      if (d->pad > d->nbits) return E_CORRUPT;
      const uint8_t *q = d->p;
      while (q < d->end && q[0] == 0xFF && q + 1 < d->end && q[1] == 0xFF) q++;
      if (q + 1 >= d->end || q[0] != 0xFF || q[1] != (0xD0 | next_rst)) return E_CORRUPT;
      d->p = q + 2;
      d->bits = 0;
      d->nbits = 0;
      d->pad = 0;
      next_rst = (next_rst + 1) & 7;
      left = d->restart;
      for (int i = 0; i < d->ncomp; i++) d->comp[i].pred = 0;
    }
    int mx = m % d->mcux, my = m / d->mcux;
    for (int ci = 0; ci < d->ncomp; ci++) {
      Comp *c = &d->comp[ci];
      const Huff *dc = &d->dc[c->td], *ac = &d->ac[c->ta];
      const int32_t *q = d->qt[c->tq];
      int stride = c->bw * 8;
      for (int by = 0; by < c->v; by++) {
        for (int bx = 0; bx < c->h; bx++) {
          for (int k = 0; k < 64; k += 4) wasm_v128_store(coef + k, wasm_i32x4_splat(0));
          int has_ac = 0;
          int t = decode(d, dc);
          if (t < 0 || t > 11) return E_CORRUPT;
          int diff = t ? extend(get_bits(d, t), t) : 0;
          c->pred += diff;
          coef[0] = c->pred * q[0];
          for (int k = 1; k < 64;) {
            if (d->nbits < 16) fill(d);
            int fast = ac->fast_ac[d->bits >> (64 - 9)];
            if (fast) {
              k += (fast >> 4) & 15;
              d->bits <<= fast & 15;
              d->nbits -= fast & 15;
              int z = ZIGZAG[k];
              coef[z] = (fast >> 8) * q[z];
              k++;
              has_ac = 1;
              continue;
            }
            int rs = decode(d, ac);
            if (rs < 0) return E_CORRUPT;
            int r = rs >> 4, s = rs & 15;
            if (s) {
              k += r;
              if (k > 63) return E_CORRUPT;
              int z = ZIGZAG[k];
              coef[z] = extend(get_bits(d, s), s) * q[z];
              k++;
              has_ac = 1;
            } else {
              if (r != 15) break;
              k += 16;
            }
          }
          int x = (mx * c->h + bx) * 8, y = (my * c->v + by) * 8;
          if (has_ac) {
            idct_block(coef, c->plane + y * stride + x, stride);
          } else {
            /* What the full IDCT gives a DC-only block (jidctint.c's own shortcut). */
            v128_t v = wasm_i8x16_splat((int8_t)clamp8((((coef[0] << PASS1_BITS) + 16) >> 5) + 128));
            for (int r = 0; r < 8; r++) wasm_v128_store64_lane(c->plane + (y + r) * stride + x, v, 0);
          }
        }
      }
    }
    if (d->pad > d->nbits) return E_CORRUPT; /* ran past the data: truncated or corrupt */
    left--;
  }
  return OK;
}

/* ------------------------------------------------------------ upsampling and colour */

#define SCALEBITS 16
#define ONE_HALF (1 << (SCALEBITS - 1))


/*
 * (ka * a + kb * b + ONE_HALF) >> 16 for eight 16-bit a and b, back in 16 bits: one i32 dot
 * product per four pixels on (a, b) pairs.
 */
static inline v128_t dot_round16(v128_t a, int ka, v128_t b, int kb) {
  v128_t k = wasm_i32x4_splat((int32_t)((uint32_t)(uint16_t)ka | ((uint32_t)(uint16_t)kb << 16)));
  v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), k);
  v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), k);
  lo = SHR(ADD(lo, V(ONE_HALF)), SCALEBITS);
  hi = SHR(ADD(hi, V(ONE_HALF)), SCALEBITS);
  return wasm_i16x8_narrow_i32x4(lo, hi);
}

/*
 * jdcolor.c's ycc_rgb_convert for one row (cb and cr already full width), sixteen pixels at a
 * time. Its constants do not fit 16 bits, so each is split into a whole multiple of 65536
 * (exact after the shift) and a 16-bit rest: 1.402 = 65536 + 26345, 1.772 = 131072 - 14942,
 * -0.71414 = -65536 + 18734 (in 16.16 fixed point); the results are the same integers.
 */
static void ycc_row(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, uint8_t *out, int w) {
  int x = 0;
  const v128_t c128 = wasm_i16x8_splat(128);
  const v128_t zero16 = wasm_i16x8_splat(0);
  for (; x + 16 <= w; x += 16) {
    v128_t Y = wasm_v128_load(y + x), B = wasm_v128_load(cb + x), R = wasm_v128_load(cr + x);
    v128_t rgb[3][2];
    for (int half = 0; half < 2; half++) {
      v128_t yy = half ? wasm_u16x8_extend_high_u8x16(Y) : wasm_u16x8_extend_low_u8x16(Y);
      v128_t bb = wasm_i16x8_sub(half ? wasm_u16x8_extend_high_u8x16(B) : wasm_u16x8_extend_low_u8x16(B), c128);
      v128_t rr = wasm_i16x8_sub(half ? wasm_u16x8_extend_high_u8x16(R) : wasm_u16x8_extend_low_u8x16(R), c128);
      rgb[0][half] = wasm_i16x8_add(wasm_i16x8_add(yy, rr), dot_round16(rr, 26345, zero16, 0));
      rgb[1][half] = wasm_i16x8_add(wasm_i16x8_sub(yy, rr), dot_round16(bb, -22554, rr, 18734));
      rgb[2][half] = wasm_i16x8_add(wasm_i16x8_add(yy, wasm_i16x8_add(bb, bb)), dot_round16(bb, -14942, zero16, 0));
    }
    /* Saturating narrows clamp to 0..255 as range_limit does. */
    v128_t Ro = wasm_u8x16_narrow_i16x8(rgb[0][0], rgb[0][1]);
    v128_t Go = wasm_u8x16_narrow_i16x8(rgb[1][0], rgb[1][1]);
    v128_t Bo = wasm_u8x16_narrow_i16x8(rgb[2][0], rgb[2][1]);
    v128_t t0 = wasm_i8x16_shuffle(Ro, Go, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
    v128_t t1 = wasm_i8x16_shuffle(Ro, Go, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
    v128_t t2 = wasm_i8x16_shuffle(Ro, Go, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
    uint8_t *o = out + 3 * x;
    wasm_v128_store(o, wasm_i8x16_shuffle(t0, Bo, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
    wasm_v128_store(o + 16, wasm_i8x16_shuffle(t1, Bo, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15));
    wasm_v128_store(o + 32, wasm_i8x16_shuffle(t2, Bo, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31));
  }
  for (; x < w; x++) {
    int yy = y[x], b = cb[x] - 128, r = cr[x] - 128;
    out[3 * x] = (uint8_t)clamp8(yy + ((91881 * r + ONE_HALF) >> SCALEBITS));
    out[3 * x + 1] = (uint8_t)clamp8(yy + ((-22554 * b + ONE_HALF - 46802 * r) >> SCALEBITS));
    out[3 * x + 2] = (uint8_t)clamp8(yy + ((116130 * b + ONE_HALF) >> SCALEBITS));
  }
}

/*
 * The fancy upsamplers' horizontal step on column values s[0..n+1] (s[0] and s[n+1] repeat
 * the edge values, which turns jdsample.c's edge cases into the general formula):
 * out[2i] = (3 s[i+1] + s[i] + even) >> shift, out[2i+1] = (3 s[i+1] + s[i+2] + odd) >> shift.
 * Writes up to 15 bytes past 2n.
 */
static inline void spread(const int16_t *s, uint8_t *out, int n, int even, int odd, int shift) {
  for (int i = 0; i < n; i += 8) {
    v128_t c = wasm_v128_load(s + i + 1);
    v128_t t = wasm_i16x8_add(wasm_i16x8_add(c, c), c);
    v128_t e = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, wasm_v128_load(s + i)), wasm_i16x8_splat(even)), shift);
    v128_t o = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(t, wasm_v128_load(s + i + 2)), wasm_i16x8_splat(odd)), shift);
    v128_t packed = wasm_u8x16_narrow_i16x8(e, o);
    wasm_v128_store(out + 2 * i, wasm_i8x16_shuffle(packed, packed, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
  }
}

/* jdsample.c's h2v1 fancy upsampling: dw samples to 2 * dw. */
static void h2v1_row(const uint8_t *in, int16_t *s, uint8_t *out, int dw) {
  for (int i = 0; i < dw; i += 8) {
    wasm_v128_store(s + i + 1, wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(in + i)));
  }
  s[0] = s[1];
  s[dw + 1] = s[dw];
  spread(s, out, dw, 1, 2, 2);
}

/* jdsample.c's h2v2 fancy upsampling of one output row; near is the nearer input row. */
static void h2v2_row(const uint8_t *near, const uint8_t *far, int16_t *s, uint8_t *out, int dw) {
  for (int i = 0; i < dw; i += 8) {
    v128_t a = wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(near + i));
    v128_t b = wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(far + i));
    wasm_v128_store(s + i + 1, wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_add(a, a), a), b));
  }
  s[0] = s[1];
  s[dw + 1] = s[dw];
  spread(s, out, dw, 8, 7, 4);
}

static void convert(Dec *d, uint8_t *out, int channels, uint8_t *scratch) {
  int w = d->width;
  if (d->ncomp == 1) {
    Comp *c = &d->comp[0];
    int stride = c->bw * 8;
    for (int y = 0; y < d->height; y++) {
      const uint8_t *row = c->plane + y * stride;
      uint8_t *o = out + y * w * channels;
      if (channels == 1) {
        for (int x = 0; x < w; x++) o[x] = row[x];
      } else {
        for (int x = 0; x < w; x++) o[3 * x] = o[3 * x + 1] = o[3 * x + 2] = row[x];
      }
    }
    return;
  }
  Comp *cy = &d->comp[0], *cb = &d->comp[1], *cr = &d->comp[2];
  int ys = cy->bw * 8, cs = cb->bw * 8;
  uint8_t *ub = scratch, *ur = scratch + w + 32;
  int16_t *sum = (int16_t *)(scratch + 2 * (w + 32));
  for (int y = 0; y < d->height; y++) {
    const uint8_t *yrow = cy->plane + y * ys;
    const uint8_t *brow, *rrow;
    if (d->vmax == 2) {
      int r = y >> 1;
      int other = (y & 1) ? (r + 1 < cb->dh ? r + 1 : cb->dh - 1) : (r > 0 ? r - 1 : 0);
      h2v2_row(cb->plane + r * cs, cb->plane + other * cs, sum, ub, cb->dw);
      h2v2_row(cr->plane + r * cs, cr->plane + other * cs, sum, ur, cr->dw);
      brow = ub;
      rrow = ur;
    } else if (d->hmax == 2) {
      h2v1_row(cb->plane + y * cs, sum, ub, cb->dw);
      h2v1_row(cr->plane + y * cs, sum, ur, cr->dw);
      brow = ub;
      rrow = ur;
    } else {
      brow = cb->plane + y * cs;
      rrow = cr->plane + y * cs;
    }
    ycc_row(yrow, brow, rrow, out + y * w * 3, w);
  }
}

/* ------------------------------------------------------------------------------ API */

/*
 * Reads the headers into the state `d`: info[0..3] = width, height, components, bytes of work
 * area jpeg_decode needs. Returns 0 when this decoder can decode the file, else an error code
 * (the caller falls back).
 */
EXPORT int jpeg_header(const uint8_t *data, int size, int32_t *info, Dec *d) {
  zero(d, sizeof(Dec));
  int r = parse(d, data, size);
  if (!r) r = plan(d);
  if (r) return r;
  info[0] = d->width;
  info[1] = d->height;
  info[2] = d->ncomp;
  info[3] = work_bytes(d) - (int)((sizeof(Dec) + 15) & ~15);
  return OK;
}

/*
 * Decodes the file jpeg_header parsed into `d` (same data, still in place) into out (height x
 * width x channels; channels 1 only for grey files, or 3); `work` holds work_bytes - state.
 */
EXPORT int jpeg_decode(Dec *d, uint8_t *out, int channels, uint8_t *work, int work_size) {
  if (work_size < work_bytes(d) - (int)((sizeof(Dec) + 15) & ~15)) return E_SPACE;
  if (channels != 3 && !(channels == 1 && d->ncomp == 1)) return E_UNSUPPORTED;
  uint8_t *at = work;
  for (int i = 0; i < d->ncomp; i++) {
    d->comp[i].plane = at;
    at += d->comp[i].bw * 8 * d->comp[i].bh * 8 + 16;
  }
  int r = decode_scan(d);
  if (r) return r;
  convert(d, out, channels, at);
  return OK;
}

/* Bytes of decoder state jpeg_header needs at its `d` argument. */
EXPORT int jpeg_state_bytes(void) { return (int)((sizeof(Dec) + 15) & ~15); }
