/**
 * Decoding and augmenting in one call, for loaders that read encoded files: a baseline JPEG
 * whose pipeline starts with resize, crop and a gather (flips, nearest rotation, toTensor +
 * normalize, as the seed's does) is decoded in wasm memory and resized, cropped and remapped
 * there, so the full-size decoded image is never copied out, allocated and copied back in.
 * The result is the same as `pipeline.apply(await decodeImageBytes(...), params)` with the same
 * draws; any other file or pipeline takes that path.
 *
 * @example
 *   const { image, params } = await augmentEncoded(pipeline, readFileSync(path), path, sampleRng(seed, epoch, i));
 */
import type { Image } from '../core/image.js';
import { wasmKernels } from '../core/native/wasm-kernels.js';
import type { Rng } from '../core/rng.js';
import { decodeImageBytes, type ImageChannels, isJpeg } from '../data/decode-image.js';
import { Compose } from './compose.js';
import { resizeRemap } from './functional/remap.js';
import { applyFused, planResizeGather } from './fuse.js';
import { type ImageInfo, infoOf, type Transform } from './transform.js';

/** Decodes `bytes` (`file` names it in errors) and applies `pipeline` with draws from `rng`. */
export async function augmentEncoded(
  pipeline: Transform,
  bytes: Buffer,
  file: string,
  rng: Rng,
  channels?: ImageChannels,
): Promise<{ image: Image; params: unknown }> {
  const kernels = isJpeg(bytes) ? wasmKernels() : null;
  const resident = kernels?.decodeJpegResident(bytes, channels) ?? null;
  if (kernels && resident) {
    const info: ImageInfo = { ...resident, kind: 'uint8' };
    const params = pipeline.sampleParams(rng, info);
    // Drawing runs no kernel, so the decoded pixels are still in place (checked anyway).
    if (pipeline instanceof Compose && kernels.isCurrent(resident)) {
      const list = params as unknown[];
      const head = planResizeGather(pipeline.transforms, list, 0, info);
      const out = head
        ? resizeRemap(resident, head.size, head.interpolation, head.window, head.spec, head.norm)
        : null;
      if (head && out) {
        const rest = applyFused(pipeline.transforms.slice(head.next), list.slice(head.next), out);
        return { image: rest, params };
      }
    }
    if (kernels.isCurrent(resident)) {
      return { image: pipeline.apply(kernels.materialize(resident), params), params };
    }
    return { image: pipeline.apply(await decodeImageBytes(bytes, file, channels), params), params };
  }
  const image = await decodeImageBytes(bytes, file, channels);
  const params = pipeline.sampleParams(rng, infoOf(image));
  return { image: pipeline.apply(image, params), params };
}
