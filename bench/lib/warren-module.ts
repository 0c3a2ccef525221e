// Where the benchmarks load Warren from. By default the tsc build in dist/ (what an app runs)
// when it is at least as new as every file in src/, else src/ through tsx, with a note:
// tsx's transform (keepNames) wraps closures in __name() calls that the build does not have,
// which costs the framework measurably per message. WARREN_BUILD=src|dist forces one.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as FrameworkIndex from '../../src/framework/index.js';
import type * as AmqpIndex from '../../src/transports/amqp/index.js';
import type * as TcpIndex from '../../src/transports/tcp/index.js';
import type * as BrokerIndex from '../../src/broker/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function distIsCurrent(): boolean {
  try {
    return statSync(`${ROOT}dist/index.js`).mtimeMs >= newestMtime(`${ROOT}src`);
  } catch {
    return false;
  }
}

const forced = process.env['WARREN_BUILD'];
/** 'dist' or 'src': what the benchmarks in this process run. */
export const WARREN_BUILD = forced === 'src' || forced === 'dist' ? forced : distIsCurrent() ? 'dist' : 'src';
if (forced === undefined && WARREN_BUILD === 'src') {
  console.error('[bench] dist/ is older than src/ (run `npm run build`): running src/ through tsx');
}

const base = WARREN_BUILD === 'dist' ? '../../dist' : '../../src';
export const framework = (await import(`${base}/framework/index.js`)) as typeof FrameworkIndex;
export const amqp = (await import(`${base}/transports/amqp/index.js`)) as typeof AmqpIndex;
export const tcp = (await import(`${base}/transports/tcp/index.js`)) as typeof TcpIndex;
export const broker = (await import(`${base}/broker/index.js`)) as typeof BrokerIndex;
