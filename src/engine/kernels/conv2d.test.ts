/** The Conv2D gradient grids on the SIMD128 build of tunebook's kernels (the fallback). */
import { conv2dGradientSuite } from './conv2d.test-helper.js';

conv2dGradientSuite('simd128');
