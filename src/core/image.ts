/**
 * The image type every transform, preprocessing step and data source shares: pixels in HWC
 * order (rows, then columns, then channels; torchvision's tensors are CHW), either 8-bit
 * (`Uint8Array`, 0-255, as PIL images before `ToTensor`) or float (`Float32Array`, as after
 * `toTensor`).
 *
 * @example
 *   const img: Image = { data: new Uint8Array(28 * 28), height: 28, width: 28, channels: 1 };
 */
export interface Image<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  data: T;
  height: number;
  width: number;
  channels: number;
}

/** A new zero-filled image of the same kind as `like` (or 8-bit). */
export function blankImage(
  height: number,
  width: number,
  channels: number,
  kind: 'uint8' | 'float32' = 'uint8',
): Image {
  const n = height * width * channels;
  return {
    data: kind === 'uint8' ? new Uint8Array(n) : new Float32Array(n),
    height,
    width,
    channels,
  };
}
