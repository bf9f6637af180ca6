/**
 * A small tmpfs of the test's own, for faults a chmod cannot make when tests run as root: a
 * full disk (a few MB filled up) and read-only media (`mount -o remount,ro`). Null when this
 * process cannot mount (not root, no CAP_SYS_ADMIN): the caller skips with a notice.
 *
 * @example
 *   const fs = mountTmpfs(16);
 *   if (!fs) return t.skip('cannot mount a tmpfs here');
 *   try { ...; fs.readonly(); ... } finally { fs.unmount(); }
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  readonly(): void;
  writable(): void;
  /** Fills the free space with a file of its own; `free()` removes it. */
  fill(): string;
  unmount(): void;
}

const run = (args: string[]) => spawnSync('mount', args, { encoding: 'utf8' }).status === 0;

export function mountTmpfs(sizeMb: number): Tmpfs | null {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-tmpfs-'));
  if (
    process.platform !== 'linux' ||
    !run(['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir])
  ) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    dir,
    readonly: () => {
      if (!run(['-o', 'remount,ro', dir])) throw new Error(`cannot remount ${dir} read-only`);
    },
    writable: () => {
      if (!run(['-o', 'remount,rw', dir])) throw new Error(`cannot remount ${dir} writable`);
    },
    fill: () => {
      const filler = join(dir, 'filler');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeFileSync(filler, chunk, { flag: 'a' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
      // The last partial block too: nothing at all is left.
      try {
        for (;;) writeFileSync(filler, Buffer.alloc(512, 1), { flag: 'a' });
      } catch {
        // full
      }
      return filler;
    },
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
