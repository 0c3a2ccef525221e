// An in-process V8 CPU profile of one part of a benchmark (no start-up or warm-up samples),
// written where PROFILE names (a .cpuprofile file for Chrome DevTools or speedscope).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const PROFILE = process.env['PROFILE'];

export interface Profiling {
  stop(): void;
}

/** Starts sampling (every 100 µs) when PROFILE is set; stop() writes the profile. */
export function startProfiler(): Profiling {
  if (PROFILE === undefined) return { stop: () => undefined };
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  return {
    stop: () =>
      session.post('Profiler.stop', (err, result) => {
        if (err === null) writeFileSync(PROFILE, JSON.stringify(result.profile));
        session.disconnect();
      }),
  };
}
