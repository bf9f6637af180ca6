/**
 * Several "machines" on one: network namespaces joined by veth pairs to a bridge in the main
 * namespace, each with its own 10.x address and its own host name (a UTS namespace per
 * command), so a test can run a PostgreSQL server on one host and workers on others and see
 * them talk over a network. Needs root and `ip`; where namespaces cannot be created the
 * caller gets loopback "hosts" (127.0.0.1, no prefix) and the reason to print.
 *
 * @example
 *   const lab = await hosts(t, 3);
 *   if (lab.kind === 'loopback') t.diagnostic(`no network namespaces (${lab.reason}): loopback`);
 *   const pg = await startPostgres(t, { listen: lab.hosts[0].address, prefix: lab.hosts[0].prefix });
 *   spawn(...command(lab.hosts[1], process.execPath, ['worker.js']));
 */
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface Host {
  /** The namespace's name (and the host name its commands see); 'loopback' without namespaces. */
  name: string;
  /** The address it is reached at from every other host and the main namespace. */
  address: string;
  /** Put before a command to run it on this host. */
  prefix: string[];
}

export type Hosts =
  | {
      kind: 'netns';
      hosts: Host[] /** The main namespace's address on the bridge. */;
      gateway: string;
    }
  | { kind: 'loopback'; hosts: Host[]; reason: string };

/** `argv` to run `cmd args` on `host`. */
export function command(host: Host, cmd: string, args: string[] = []): string[] {
  return [...host.prefix, cmd, ...args];
}

/**
 * Starts `cmd args` on `host`. Every step of the prefix execs the next (ip netns exec,
 * unshare without --fork, sh's exec), so the child's pid is the command's own: a SIGKILL to
 * it kills the worker itself, as a machine's crash would.
 */
export function spawnOn(
  host: Host,
  cmd: string,
  args: string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  const argv = command(host, cmd, args);
  return spawn(argv[0], argv.slice(1), options);
}

function ip(args: string[]): { ok: boolean; error: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, error: (r.stderr || r.error?.message || '').trim() };
}

/** Why namespaces cannot be made here, or undefined when they can be tried. */
export function netnsUnavailable(): string | undefined {
  if (process.env.TUNEBOOK_NETNS === 'off') return 'turned off by TUNEBOOK_NETNS=off';
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'no `ip` command (iproute2)';
  if (spawnSync('unshare', ['--version']).status !== 0) return 'no `unshare` command (util-linux)';
  return undefined;
}

function loopback(count: number, reason: string): Hosts {
  const hosts = Array.from({ length: count }, (_, i) => ({
    name: `loopback-${i}`,
    address: '127.0.0.1',
    prefix: [],
  }));
  return { kind: 'loopback', hosts, reason };
}

/**
 * `count` hosts on a private /24 (10.213.x.0, x random), removed after the test (and at
 * exit, should the test process die first). Falls back to loopback with the reason.
 */
export async function hosts(
  t: { after(fn: () => unknown): void } | null,
  count = 3,
): Promise<Hosts> {
  const unavailable = netnsUnavailable();
  if (unavailable) return loopback(count, unavailable);
  const tag = `${process.pid % 10000}${randomInt(100, 1000)}`;
  const subnet = `10.213.${randomInt(1, 255)}`;
  const bridge = `tbbr${tag}`;
  const names = Array.from({ length: count }, (_, i) => `tunebook-${tag}-${i}`);
  const made: string[] = [];
  let bridgeMade = false;
  const cleanup = () => {
    for (const ns of made.splice(0)) ip(['netns', 'del', ns]);
    if (bridgeMade) ip(['link', 'del', bridge]);
    bridgeMade = false;
  };
  process.once('exit', cleanup);
  t?.after(() => {
    process.off('exit', cleanup);
    cleanup();
  });
  const step = (args: string[]) => {
    const r = ip(args);
    if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.error}`);
  };
  try {
    step(['link', 'add', bridge, 'type', 'bridge']);
    bridgeMade = true;
    step(['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    step(['link', 'set', bridge, 'up']);
    names.forEach((ns, i) => {
      step(['netns', 'add', ns]);
      made.push(ns);
      const outside = `tbv${tag}${i}`;
      const inside = `tbp${tag}${i}`;
      step(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      step(['link', 'set', inside, 'netns', ns]);
      step(['link', 'set', outside, 'master', bridge]);
      step(['link', 'set', outside, 'up']);
      step(['-n', ns, 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', inside]);
      step(['-n', ns, 'link', 'set', inside, 'up']);
      step(['-n', ns, 'link', 'set', 'lo', 'up']);
    });
  } catch (e) {
    cleanup();
    return loopback(count, `cannot create network namespaces (${(e as Error).message})`);
  }
  return {
    kind: 'netns',
    gateway: `${subnet}.1`,
    hosts: names.map((ns, i) => ({
      name: ns,
      address: `${subnet}.${10 + i}`,
      // Its own UTS namespace too, so os.hostname() there names the "machine".
      prefix: [
        'ip',
        'netns',
        'exec',
        ns,
        'unshare',
        '--uts',
        '--',
        'sh',
        '-c',
        'hostname "$0" && exec "$@"',
        ns,
      ],
    })),
  };
}
