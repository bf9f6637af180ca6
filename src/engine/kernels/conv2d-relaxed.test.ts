/**
 * The Conv2D gradient grids on the relaxed-SIMD build, whose packed GEMM (f32x4.relaxed_madd)
 * serves the filter gradient and the strided input gradient: the same cases and tolerance
 * as the SIMD128 build (see docs/design.md on why one rounding instead of two fits in it).
 */
import { conv2dGradientSuite } from './conv2d.test-helper.js';

conv2dGradientSuite('relaxed');
