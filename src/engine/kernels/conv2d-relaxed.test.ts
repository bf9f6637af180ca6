/**
 * The Conv2D grids on the relaxed-SIMD build, whose direct convolutions (f32x4.relaxed_madd)
 * serve every convolution and its gradients: the same cases and tolerance
 * as the SIMD128 build (see docs/design.md on why one rounding instead of two fits in it).
 */
import { conv2dGradientSuite } from './conv2d.test-helper.js';

conv2dGradientSuite('relaxed');
