/**
 * The data layer's public surface, for `src/index.ts` to re-export: sources (image folders,
 * the MNIST digits, CSV/NPY and synthetic signals, spectrograms), image reading and writing
 * (`decodeImage`, `encodeImage`, `listImageFolder`), splits, imbalance injection, resampling
 * and the batching loader.
 *
 * @example
 *   import { DataLoader, openImageFolder, stratifiedSplit } from './data/index.js';
 */
export {
  CSV_HEADER_MODES,
  type CsvHeaderMode,
  loadSignalCsv,
  parseSignalCsv,
  type SignalCsvOptions,
} from './csv-signals.js';
export {
  decodeImage,
  decodeImageBytes,
  IMAGE_CHANNEL_MODES,
  IMAGE_FORMATS,
  type ImageChannels,
  type ImageProbe,
  isJpeg,
  probeImage,
  rgbToGrey,
} from './decode-image.js';
export { ENCODINGS, type Encoding, encodeImage, encodingOf } from './encode-image.js';
export {
  DEFAULT_CACHE_BYTES,
  IMAGE_EXTENSIONS,
  ImageFolder,
  type ImageFolderListing,
  type ImageFolderOptions,
  listImageFolder,
  openImageFolder,
  UNSUPPORTED_FILE_POLICIES,
  type UnreadableFile,
  type UnsupportedFilePolicy,
} from './image-folder.js';
export {
  DATA_IMAGE_SETTINGS,
  ImageOptions,
  type ImageReadOptions,
  MAX_IMAGE_SIDE,
  RESIZE_MODES,
  type ResizeMode,
} from './image-options.js';
export type { ImageSet } from './image-set.js';
export { type ImbalanceOptions, imbalanceCounts, injectImbalance } from './imbalance.js';
export {
  BATCH_LAYOUTS,
  type Batch,
  type BatchLayout,
  DataLoader,
  type LoaderOptions,
  type SampleTransform,
} from './loader.js';
export { ByteLruCache, type CacheStats } from './lru-cache.js';
export { loadMnistDigits, mnistSource } from './mnist.js';
export { loadNpy, NPY_DTYPES, type NpyArray, type NpyData, parseNpy } from './npy.js';
export { loadSignalNpy, type SignalNpyOptions, signalsFromNpy } from './npy-signals.js';
export { BUILTIN_SOURCES, type OpenSourceOptions, openSource } from './open-source.js';
export { checkOneSize, readAs, readSourceAs } from './read-as.js';
export { type ResampleOptions, randomOversample, randomUndersample } from './resample.js';
export { type SignalSet, signalAt, signalSource } from './signal-set.js';
export {
  describeSample,
  type ImageSource,
  imageSetSource,
  subsetSource,
  toImageSet,
} from './source.js';
export {
  SPECTROGRAM_PAD_MODES,
  SPECTROGRAM_SCALES,
  type SpectrogramOptions,
  type SpectrogramPadMode,
  type SpectrogramScale,
  spectrogram,
  spectrogramImage,
  spectrogramShape,
  spectrogramSource,
} from './spectrogram.js';
export {
  type SplitFractions,
  stratifiedSplit,
  type ThreeWaySplit,
  type TwoWaySplit,
} from './split.js';
export { gather } from './subset.js';
export {
  SIGNAL_FAMILIES,
  type SignalFamily,
  type SyntheticSignalOptions,
  syntheticSignals,
} from './synthetic-signals.js';
