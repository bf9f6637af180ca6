/**
 * The study-file fields a `pretrained` spec gains for PyTorch weights, as zod fields the
 * study schema spreads into its Pretrained record: `from` (tfjs, torchvision, timm) and
 * `arch` (resnet18 ... resnet152, checked against the file).
 *
 * @example
 *   const Pretrained = z.strictObject({ source: z.string(), ...TORCH_PRETRAINED_FIELDS });
 */
import { z } from 'zod';
import { TORCH_ARCHS, WEIGHT_ORIGINS } from './names.js';

export const TORCH_PRETRAINED_FIELDS = {
  from: z.enum(WEIGHT_ORIGINS, { error: `one of ${WEIGHT_ORIGINS.join(', ')}` }).optional(),
  arch: z.enum(TORCH_ARCHS, { error: `one of ${TORCH_ARCHS.join(', ')}` }).optional(),
};
