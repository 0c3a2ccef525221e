// CPU time another process has used, read from Linux's /proc/<pid>/stat (utime + stime, in
// clock ticks of 10 ms): how the benchmarks charge a broker child (or RabbitMQ's beam.smp) for
// its work, which the benchmark process's own cpuUsage cannot see. Linux only.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) process `pid` has used so far. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
