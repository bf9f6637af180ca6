/**
 * `data.image` of a study file: the size, fit and channels every image is read at, in every
 * split, so that evaluation sees what training sees (a `resize` in `training.augment` reaches
 * the training split only). Declared here, with the reader that applies them
 * (./read-as.ts), so the study schema takes them in one line.
 *
 * - `size: [height, width]`: the size every image is read at.
 * - `resize`: how an image of another size gets there — `shorter` (default) scales the
 *   shorter side to fit and center-crops the rest, as torchvision's `Resize` + `CenterCrop`;
 *   `exact` scales each axis to the size, ignoring the aspect ratio (`Resize([h, w])`);
 *   `pad` scales the longer side to fit and pads the rest with black (letterbox).
 * - `channels: 1 | 3`: grey or RGB (PIL's `convert('L')` / `convert('RGB')`).
 *
 * @example
 *   ImageOptions.parse({ size: [32, 32], resize: 'pad', channels: 3 });
 */
import { z } from 'zod';
// Type-only: the study schema imports this file, and planning code must not load the image
// reader (sharp, wasm) just to check a file.
import type { ImageChannels } from './decode-image.js';

const CHANNELS = [1, 3] as const;

/** How an image reaches `size` (see the file doc). */
export const RESIZE_MODES = ['shorter', 'exact', 'pad'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

/** The largest side `data.image.size` accepts: larger is a typo, not a photo to train on. */
export const MAX_IMAGE_SIDE = 4096;

export interface ImageReadOptions {
  size?: readonly [number, number];
  resize?: ResizeMode;
  channels?: ImageChannels;
}

const side = z
  .number({ error: `an integer in [1, ${MAX_IMAGE_SIDE}]` })
  .int({ error: `an integer in [1, ${MAX_IMAGE_SIDE}]` })
  .min(1, { error: `an integer in [1, ${MAX_IMAGE_SIDE}]` })
  .max(MAX_IMAGE_SIDE, { error: `an integer in [1, ${MAX_IMAGE_SIDE}]` });

/** The schema of `data.image` (unknown keys are errors naming the key). */
export const ImageOptions = z.strictObject(
  {
    size: z.tuple([side, side], { error: 'two integers [height, width]' }).optional(),
    resize: z.enum(RESIZE_MODES, { error: `one of ${RESIZE_MODES.join(', ')}` }).optional(),
    channels: z
      .union(
        CHANNELS.map((c) => z.literal(c)),
        { error: CHANNELS.join(' or ') },
      )
      .optional(),
  },
  { error: 'a mapping {size: [height, width], resize, channels}' },
);

/** The schema of `data.skipUnreadable`. */
export const SkipUnreadable = z.boolean({ error: 'true or false' });

/** The `data` keys declared here, for the study schema's data section to spread in. */
export const DATA_IMAGE_SETTINGS = {
  image: ImageOptions.optional(),
  skipUnreadable: SkipUnreadable.optional(),
};
