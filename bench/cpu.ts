import * as fs from 'node:fs';

/**
 * CPU seconds (user + system) a process has used, from /proc (0 where there is none); with `children`, those of
 * its children it has waited for too (git, test runs, shells).
 */
export function cpuSeconds(pid: number | 'self' | undefined, children = false): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
  } catch {
    return 0;
  }
}
