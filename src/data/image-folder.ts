/**
 * Image folders in torchvision's ImageFolder layout: one sub-folder per class, classes
 * sorted by name (class index = position), files found recursively inside each class folder
 * and ordered as torchvision orders them (folders by path, then file names, sorted).
 *
 * The index (files, labels, and with `probe` each file's size and channel count from its
 * header) is built when the folder is opened; pixels are decoded on `get(i)` and kept in an
 * LRU cache bounded by `cacheBytes`, so folders larger than memory stream from disk.
 *
 * - Channels: `channels: 1 | 3` converts every image; otherwise the folder's channel count is
 *   detected and a folder mixing grey and colour files is a DataError naming them.
 * - Files whose extension is not .jpg/.jpeg/.png/.webp (any case) are ignored and listed in
 *   `skipped`, or raise a DataError with `unsupported: 'error'`. Entries whose name starts
 *   with a dot (`.DS_Store`, `.ipynb_checkpoints`) are not looked at, unlike torchvision.
 * - Size: `image: { size, resize }` reads every image at one size (./read-as.ts), before the
 *   cache, so the cache holds what training reads; without it `shape` is set only when every
 *   file has one size.
 * - `skipUnreadable: true` decodes every file when opening and leaves out those that fail,
 *   listed in `unreadable` with the reason; otherwise a file whose header cannot be read
 *   fails the opening, and one whose pixels cannot be decoded fails its `get`.
 * - Errors: a missing path, a folder without class sub-folders, a class folder without images,
 *   and a file whose header cannot be read (on opening) or whose pixels cannot be decoded (on
 *   `get`) are DataErrors naming the path and what was found.
 *
 * `listImageFolder` gives the same listing without opening a source (offline augmentation and
 * previews walk folders with it); pixels come from ./decode-image.ts.
 *
 * @example
 *   const folder = await openImageFolder('photos', { channels: 3, cacheBytes: 512 * 2 ** 20 });
 *   folder.classNames; // ['cat', 'dog']
 *   const img = await folder.get(0); // Uint8Array HWC
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { checkChannels, decodeImage, type ImageChannels, probeImage } from './decode-image.js';
import type { ImageReadOptions } from './image-options.js';
import { ByteLruCache, type CacheStats } from './lru-cache.js';
import { readAs } from './read-as.js';
import { checkIndex, type ImageSource } from './source.js';

/** File extensions read as images (compared lower-cased). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

/** What to do with a file of another extension inside a class folder. */
import { UNSUPPORTED_FILE_POLICIES } from './options.js';

export { UNSUPPORTED_FILE_POLICIES };
export type UnsupportedFilePolicy = (typeof UNSUPPORTED_FILE_POLICIES)[number];

/** Default decoded-image cache: 256 MiB. */
export const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;

export interface ImageFolderOptions {
  /** Read every image as grey (1) or RGB (3); detected from the files when absent. */
  channels?: ImageChannels;
  /** Byte budget of the decoded-image cache (default 256 MiB; 0 disables it). */
  cacheBytes?: number;
  /** Files with other extensions: 'ignore' (default; listed in `skipped`) or 'error'. */
  unsupported?: UnsupportedFilePolicy;
  /**
   * Read every file's header when opening (default true): detects channels and unreadable
   * files up front and gives `heights`/`widths`. With `false`, `channels` must be declared.
   */
  probe?: boolean;
  /** Read every image at this size, fitted this way (channels are `channels` above). */
  image?: Pick<ImageReadOptions, 'size' | 'resize'>;
  /** Decode every file when opening and leave out the ones that fail (see the file doc). */
  skipUnreadable?: boolean;
}

/** A file left out by `skipUnreadable`, and why. */
export interface UnreadableFile {
  file: string;
  reason: string;
}

const PROBE_CONCURRENCY = 16;

export class ImageFolder implements ImageSource {
  readonly count: number;
  readonly shape?: readonly [number, number, number];
  private readonly cache: ByteLruCache<number, Image<Uint8Array>>;
  private readonly pending = new Map<number, Promise<Image<Uint8Array>>>();

  constructor(
    /** The folder, as given. */
    readonly root: string,
    readonly classNames: readonly string[],
    /** Full path of every sample. */
    readonly files: readonly string[],
    readonly labels: Int32Array,
    /** Channels every image is decoded to. */
    readonly channels: ImageChannels,
    /** Files ignored for their extension, relative to `root`. */
    readonly skipped: readonly string[],
    cacheBytes: number,
    /** Per-file height and width from the headers, when probed. */
    readonly heights?: Int32Array,
    readonly widths?: Int32Array,
    /** The size and fit images are read at (`image` of the options). */
    readonly read: Pick<ImageReadOptions, 'size' | 'resize'> = {},
    /** Files left out by `skipUnreadable`. */
    readonly unreadable: readonly UnreadableFile[] = [],
  ) {
    this.count = files.length;
    this.cache = new ByteLruCache(cacheBytes);
    if (read.size) this.shape = [read.size[0], read.size[1], channels];
    else if (heights && widths && this.count > 0) {
      const sameSize = heights.every((h, i) => h === heights[0] && widths[i] === widths[0]);
      if (sameSize) this.shape = [heights[0], widths[0], channels];
    }
  }

  async get(i: number): Promise<Image<Uint8Array>> {
    checkIndex(i, this.count);
    const hit = this.cache.get(i);
    if (hit) return hit;
    // Two batches asking for one image at once share one decode.
    let job = this.pending.get(i);
    if (!job) {
      job = decodeImage(this.files[i], this.channels)
        .then((image) => this.fit(image))
        .finally(() => this.pending.delete(i));
      this.pending.set(i, job);
      const image = await job;
      this.cache.set(i, image, image.data.byteLength);
      return image;
    }
    return job;
  }

  describe(i: number): string {
    return this.files[i];
  }

  /** A decoded image at the folder's read size (itself without one). */
  fit(image: Image<Uint8Array>): Image<Uint8Array> {
    return this.read.size ? (readAs(image, this.read) as Image<Uint8Array>) : image;
  }

  /** Puts an image decoded elsewhere (the opening's check) in the cache. */
  prime(i: number, image: Image<Uint8Array>): void {
    const fitted = this.fit(image);
    this.cache.set(i, fitted, fitted.data.byteLength);
  }

  cacheStats(): CacheStats {
    return this.cache.stats();
  }
}

/**
 * Indexes an image folder (see the file doc) and returns it as an `ImageSource`.
 *
 * @example
 *   const grey = await openImageFolder('scans', { channels: 1 });
 */
export async function openImageFolder(
  root: string,
  options: ImageFolderOptions = {},
): Promise<ImageFolder> {
  const declared = options.channels === undefined ? undefined : checkChannels(options.channels);
  const policy = checkPolicy(options.unsupported);
  const probe = options.probe ?? true;
  if (!probe && declared === undefined) {
    throw new ConfigError('channels', '1 or 3 when probe is false', options.channels);
  }
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;

  const listing = await listImageFolder(root, { unsupported: policy });
  const { classNames, skipped } = listing;
  let { files, labels } = listing;

  let channels: ImageChannels;
  let heights: Int32Array | undefined;
  let widths: Int32Array | undefined;
  let unreadable: UnreadableFile[] = [];
  let decoded: Image<Uint8Array>[] = [];
  if (options.skipUnreadable) {
    const checked = await readAllOrSkip(root, classNames, files, labels, declared);
    ({ files, labels, unreadable, decoded } = checked);
    heights = Int32Array.from(decoded, (d) => d.height);
    widths = Int32Array.from(decoded, (d) => d.width);
    channels = declared ?? detectChannels(root, files, decoded);
  } else if (probe) {
    const probes = await mapLimit(files, PROBE_CONCURRENCY, probeImage);
    heights = Int32Array.from(probes, (p) => p.height);
    widths = Int32Array.from(probes, (p) => p.width);
    channels = declared ?? detectChannels(root, files, probes);
  } else {
    channels = declared!;
  }
  const folder = new ImageFolder(
    root,
    classNames,
    files,
    labels,
    channels,
    skipped,
    cacheBytes,
    heights,
    widths,
    options.image ?? {},
    unreadable,
  );
  // The check decoded every file already; those that fit in the cache need not be read again.
  decoded.forEach((image, i) => {
    folder.prime(i, image.channels === channels ? image : convertTo(image, channels));
  });
  return folder;
}

/** Each file decoded (its own channels, or `declared`); those that fail left out. */
async function readAllOrSkip(
  root: string,
  classNames: string[],
  files: string[],
  labels: Int32Array,
  declared: ImageChannels | undefined,
) {
  const results = await mapLimit(files, PROBE_CONCURRENCY, async (file) => {
    try {
      return await decodeImage(file, declared);
    } catch (error) {
      return error instanceof DataError ? error : new DataError(file, String(error));
    }
  });
  const kept: number[] = [];
  const unreadable: UnreadableFile[] = [];
  results.forEach((r, i) => {
    if (r instanceof DataError) {
      const prefix = `${files[i]}: `;
      const reason = r.message.startsWith(prefix) ? r.message.slice(prefix.length) : r.message;
      unreadable.push({ file: files[i], reason });
    } else kept.push(i);
  });
  const keptLabels = Int32Array.from(kept, (i) => labels[i]);
  classNames.forEach((name, c) => {
    if (!keptLabels.includes(c)) {
      throw new DataError(
        join(root, name),
        `class folder "${name}" has no readable image (skipUnreadable left out all of them)`,
      );
    }
  });
  return {
    files: kept.map((i) => files[i]),
    labels: keptLabels,
    unreadable,
    decoded: kept.map((i) => results[i] as Image<Uint8Array>),
  };
}

/** An image decoded at its own channel count, at the folder's (grey files into RGB ones). */
function convertTo(image: Image<Uint8Array>, channels: ImageChannels): Image<Uint8Array> {
  return readAs(image, { channels }) as Image<Uint8Array>;
}

export interface ImageFolderListing {
  /** Class folder names, sorted (class index = position). */
  classNames: string[];
  /** Full path of every image, in torchvision's order. */
  files: string[];
  /** Class index of every image. */
  labels: Int32Array;
  /** Files ignored for their extension, relative to the root. */
  skipped: string[];
}

/**
 * Lists an image folder's classes and images without reading them (see the file doc for the
 * layout, order and errors); `openImageFolder` indexes a folder with it.
 *
 * @example
 *   const { classNames, files, labels } = await listImageFolder('photos');
 */
export async function listImageFolder(
  root: string,
  options: { unsupported?: UnsupportedFilePolicy } = {},
): Promise<ImageFolderListing> {
  const policy = checkPolicy(options.unsupported);
  await checkFolder(root);
  const entries = (await readdir(root, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => e.name);
  const classDirs: string[] = [];
  for (const name of entries) {
    if (await isDirectory(join(root, name))) classDirs.push(name);
  }
  classDirs.sort(compareCodePoints);
  if (classDirs.length === 0) {
    throw new DataError(
      root,
      'has no class sub-folders; expected one sub-folder per class (e.g. cat/1.jpg, dog/2.jpg)',
    );
  }

  const files: string[] = [];
  const labels: number[] = [];
  const skipped: string[] = [];
  for (const [label, name] of classDirs.entries()) {
    const dir = join(root, name);
    const found = await listFilesLikeTorchvision(dir);
    const images: string[] = [];
    const others: string[] = [];
    for (const f of found) {
      const known = (IMAGE_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase());
      (known ? images : others).push(f);
    }
    if (others.length > 0 && policy === 'error') {
      throw new DataError(
        others[0],
        `unsupported extension ${JSON.stringify(extname(others[0]))}; expected ` +
          `${IMAGE_EXTENSIONS.join(', ')} (or open with unsupported: 'ignore')`,
      );
    }
    skipped.push(...others.map((f) => relative(root, f)));
    if (images.length === 0) {
      const note =
        others.length > 0
          ? ` (ignored ${others.length} other file(s): ${listSome(others.map((f) => relative(dir, f)))})`
          : '';
      throw new DataError(dir, `class folder "${name}" has no JPEG, PNG or WebP images${note}`);
    }
    for (const f of images) {
      files.push(f);
      labels.push(label);
    }
  }
  return { classNames: classDirs, files, labels: Int32Array.from(labels), skipped };
}

function checkPolicy(value: unknown = 'ignore'): UnsupportedFilePolicy {
  if (!(UNSUPPORTED_FILE_POLICIES as readonly unknown[]).includes(value)) {
    throw new ConfigError('unsupported', UNSUPPORTED_FILE_POLICIES.join(' or '), value);
  }
  return value as UnsupportedFilePolicy;
}

function detectChannels(
  root: string,
  files: string[],
  probes: readonly { channels: number }[],
): ImageChannels {
  const grey = files.filter((_, i) => probes[i].channels === 1);
  const colour = files.filter((_, i) => probes[i].channels === 3);
  if (grey.length > 0 && colour.length > 0) {
    const name = (list: string[]) => listSome(list.map((f) => relative(root, f)));
    throw new DataError(
      root,
      `mixed channel counts: ${grey.length} grey file(s) (${name(grey)}) and ` +
        `${colour.length} colour file(s) (${name(colour)}); declare channels: 1 or 3 to convert`,
    );
  }
  return grey.length > 0 ? 1 : 3;
}

async function checkFolder(root: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(root, code === 'ENOENT' ? 'no such folder' : `cannot read (${code})`);
  }
  if (!info.isDirectory()) {
    throw new DataError(root, 'is a file; expected a folder with one sub-folder per class');
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory(); // stat, not lstat: symlinks are followed
  } catch {
    return false;
  }
}

/**
 * Files under `dir`, as torchvision's `sorted(os.walk(dir))` then `sorted(fnames)` gives
 * them: folders ordered by full path, files by name within each.
 */
async function listFilesLikeTorchvision(dir: string): Promise<string[]> {
  const folders: { path: string; files: string[] }[] = [];
  const seen = new Set<string>();
  const walk = async (path: string) => {
    // Symlinked folders are followed (as torchvision does), but each real folder once, so a
    // link cycle cannot recurse forever.
    const real = await realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    const entry = { path, files: [] as string[] };
    folders.push(entry);
    for (const e of await readdir(path, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = join(path, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(full)))) await walk(full);
      else entry.files.push(e.name);
    }
    entry.files.sort(compareCodePoints);
  };
  await walk(dir);
  folders.sort((a, b) => compareCodePoints(a.path, b.path));
  return folders.flatMap((f) => f.files.map((name) => join(f.path, name)));
}

/** Python's string order (by code point), which `<` matches outside astral characters. */
function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listSome(names: string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... ${names.length - max} more` : shown;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
