/**
 * CPU seconds used by the calling thread so far: a trial's time that other processes' load
 * does not swing (wall time on a busy machine grows with the load; the thread's CPU time
 * hardly does). In a worker thread, `process.cpuUsage()` is the whole process's, so it will
 * not do: Node >= 23.9 has `process.threadCpuUsage()`; on Linux before that,
 * /proc/thread-self/stat gives the thread's user and system ticks (USER_HZ, 100 per second,
 * the kernel's fixed unit for /proc). Null where neither exists.
 *
 * @example
 *   const before = threadCpuSeconds(); train(); const cpu = threadCpuSeconds()! - before!;
 */
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

type ThreadCpuUsage = () => { user: number; system: number };

export function threadCpuSeconds(): number | null {
  const own = (process as unknown as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  if (typeof own === 'function') {
    const { user, system } = own.call(process);
    return (user + system) / 1e6;
  }
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
    return Number.isFinite(ticks) ? ticks / USER_HZ : null;
  } catch {
    return null;
  }
}
