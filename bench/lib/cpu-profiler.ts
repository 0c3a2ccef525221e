// In-process V8 profiles of one part of a benchmark (no start-up or warm-up samples):
// PROFILE=<file.cpuprofile> samples CPU every 100 µs; HEAP_PROFILE=<file.heapprofile> samples
// allocations (every 4 KiB allocated, with the allocating stack). Both open in Chrome DevTools.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const PROFILE = process.env['PROFILE'];
const HEAP_PROFILE = process.env['HEAP_PROFILE'];

export interface Profiling {
  stop(): void;
}

/** Starts the profilers asked for; stop() writes their files. */
export function startProfiler(): Profiling {
  if (PROFILE === undefined && HEAP_PROFILE === undefined) return { stop: () => undefined };
  const session = new Session();
  session.connect();
  if (PROFILE !== undefined) {
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 100 });
    session.post('Profiler.start');
  }
  if (HEAP_PROFILE !== undefined) {
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env['HEAP_PROMOTED'] === undefined,
    });
  }
  return {
    stop: () => {
      if (HEAP_PROFILE !== undefined) {
        session.post('HeapProfiler.stopSampling', (err, result) => {
          if (err === null) writeFileSync(HEAP_PROFILE, JSON.stringify(result.profile));
        });
      }
      if (PROFILE !== undefined) {
        session.post('Profiler.stop', (err, result) => {
          if (err === null) writeFileSync(PROFILE, JSON.stringify(result.profile));
        });
      }
    },
  };
}
