/**
 * Codec throughput: Warren's AMQP codec against amqplib 2.3.1's, doing the same work in the
 * same process. Run: `npx tsx bench/codec.bench.ts` (or `npm run bench`).
 *
 * Encode = produce the wire bytes of one command (method + content header + body frame):
 * ours appends into a CommandWriter and takes one Buffer per command; amqplib runs
 * encodeMethod + encodeProperties + makeBodyFrame and, like its Connection#sendMessage,
 * copies small commands into one buffer. Decode = turn a byte stream (fed as 64 KiB chunks,
 * as TCP delivers it) into commands: ours FrameParser + CommandAssembler (which also
 * assembles content); amqplib parseFrame + decodeFrame with its Connection's
 * concat-the-remainder chunk handling. Ratio = ours / amqplib throughput (> 1: ours faster).
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CommandAssembler,
  CommandWriter,
  FrameParser,
  createMethod,
  type BasicProperties,
  type Command,
} from '../src/protocol/index.js';

interface AmqplibParsed {
  payload: Buffer;
  rest: Buffer;
  type: number;
  channel: number;
  size: number;
}
const require = createRequire(import.meta.url);
const root = dirname(require.resolve('amqplib'));
const defs = require(join(root, 'lib', 'defs.js')) as {
  encodeMethod(id: number, channel: number, fields: Record<string, unknown>): Buffer;
  encodeProperties(classId: number, channel: number, size: number, fields: Record<string, unknown>): Buffer;
  BasicPublish: number;
  BasicDeliver: number;
};
const amqpFrame = require(join(root, 'lib', 'frame.js')) as {
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
  parseFrame(bin: Buffer, max: number): AmqplibParsed | false;
  decodeFrame(f: AmqplibParsed): unknown;
};

const FRAME_MAX = 131072;
const CASE_SECONDS = 1;
const ROUNDS = 7;
const SINGLE_CHUNK_THRESHOLD = 2048; // amqplib's Connection constant

const properties: BasicProperties = {
  contentType: 'application/json',
  deliveryMode: 2,
  headers: { 'x-task': 'send-email', 'x-attempt': 1 },
  messageId: '4f1c2a9e-7d1b-4c55-9a0e-1f2d3c4b5a69',
  timestamp: 1_700_000_000,
};
const publishArgs = { exchange: 'tasks', routingKey: 'email.send', mandatory: false, immediate: false };
const deliverArgs = {
  consumerTag: 'amq.ctag-Xq3LkW9uV0p1',
  deliveryTag: 12345,
  redelivered: false,
  exchange: 'tasks',
  routingKey: 'email.send',
};

let sink = 0;

/** Throughput (commands/s) of `fn`, which does `unit` commands per call, over one round. */
function round(fn: () => void, unit: number, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  return (calls * unit) / ((now - start) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Measures two implementations of the same work in alternating rounds (so background load
 * hits both alike), ~CASE_SECONDS each after a warm-up, and reports the median round.
 */
function compare(ours: () => void, theirs: () => void, unit: number): [number, number] {
  round(ours, unit, 150);
  round(theirs, unit, 150);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    a.push(round(ours, unit, (CASE_SECONDS * 1000) / ROUNDS));
    (globalThis as { gc?: () => void }).gc?.();
    b.push(round(theirs, unit, (CASE_SECONDS * 1000) / ROUNDS));
  }
  return [median(a), median(b)];
}

// ---------------------------------------------------------------------------------------
// Encoders

function oursPublish(body: Buffer): () => void {
  const out = new CommandWriter({ frameMax: FRAME_MAX });
  const method = createMethod('basic.publish', publishArgs);
  const content = { properties, body };
  return () => {
    out.command(1, method, content);
    sink += out.take().length;
  };
}

function oursDeliverFast(body: Buffer): () => void {
  const out = new CommandWriter({ frameMax: FRAME_MAX });
  const content = { properties, body };
  return () => {
    out.deliver(1, deliverArgs, content);
    sink += out.take().length;
  };
}

/** The broker's case: properties forwarded as the raw bytes received with the publish. */
function oursDeliverRaw(body: Buffer): () => void {
  const out = new CommandWriter({ frameMax: FRAME_MAX });
  const received = new CommandAssembler();
  const publish = new CommandWriter().command(1, createMethod('basic.publish', publishArgs), {
    properties,
    body,
  });
  let rawProperties: Buffer = Buffer.alloc(0);
  for (const f of new FrameParser({ frameMax: 0 }).push(publish.take())) {
    rawProperties = received.push(f)?.content?.rawProperties ?? rawProperties;
  }
  const content = { rawProperties, body };
  return () => {
    out.deliver(1, deliverArgs, content);
    sink += out.take().length;
  };
}

function oursDeliverGeneric(body: Buffer): () => void {
  const out = new CommandWriter({ frameMax: FRAME_MAX });
  const content = { properties, body };
  return () => {
    out.command(1, createMethod('basic.deliver', deliverArgs), content);
    sink += out.take().length;
  };
}

function amqplibCommand(id: number, fields: Record<string, unknown>, body: Buffer): () => void {
  const props = properties as Record<string, unknown>;
  return () => {
    const m = defs.encodeMethod(id, 1, fields);
    const p = defs.encodeProperties(60, 1, body.length, props);
    const b = amqpFrame.makeBodyFrame(1, body);
    if (m.length + p.length + b.length < SINGLE_CHUNK_THRESHOLD) {
      const all = Buffer.allocUnsafe(m.length + p.length + b.length);
      let off = m.copy(all, 0);
      off += p.copy(all, off);
      b.copy(all, off);
      sink += all.length;
    } else {
      sink += m.length + p.length + b.length;
    }
  };
}

// ---------------------------------------------------------------------------------------
// Decoders: a stream of N commands, fed in 64 KiB chunks.

const STREAM_COMMANDS = 256;

function stream(kind: 'publish' | 'deliver', body: Buffer): Buffer[] {
  const out = new CommandWriter({ frameMax: FRAME_MAX, slabSize: 1 << 20 });
  for (let i = 0; i < STREAM_COMMANDS; i++) {
    if (kind === 'publish') out.command(1, createMethod('basic.publish', publishArgs), { properties, body });
    else out.deliver(1, { ...deliverArgs, deliveryTag: i + 1 }, { properties, body });
  }
  const bytes = Buffer.from(out.take());
  const chunks: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += 65536) chunks.push(bytes.subarray(off, off + 65536));
  return chunks;
}

function oursDecode(chunks: Buffer[]): () => void {
  return () => {
    const parser = new FrameParser({ frameMax: FRAME_MAX });
    const assembler = new CommandAssembler();
    let n = 0;
    for (const chunk of chunks) {
      for (const frame of parser.push(chunk)) {
        const cmd: Command | undefined = assembler.push(frame);
        if (cmd !== undefined) n += cmd.content === undefined ? 0 : cmd.content.body.length;
      }
    }
    sink += n;
  };
}

function amqplibDecode(chunks: Buffer[]): () => void {
  return () => {
    let rest: Buffer = Buffer.alloc(0);
    let n = 0;
    for (const chunk of chunks) {
      rest = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      for (;;) {
        const f = amqpFrame.parseFrame(rest, FRAME_MAX);
        if (f === false) break;
        rest = f.rest;
        const decoded = amqpFrame.decodeFrame(f) as { content?: Buffer };
        if (decoded.content !== undefined) n += decoded.content.length;
      }
    }
    sink += n;
  };
}

// ---------------------------------------------------------------------------------------

interface Row {
  name: string;
  bytesPerCommand: number;
  ours: number;
  amqplib: number;
}

function row(name: string, bytesPerCommand: number, ours: () => void, theirs: () => void, unit = 1): Row {
  const [o, t] = compare(ours, theirs, unit);
  return { name, bytesPerCommand, ours: o, amqplib: t };
}

function commandBytes(kind: 'publish' | 'deliver', body: Buffer): number {
  const chunks = stream(kind, body);
  return chunks.reduce((n, c) => n + c.length, 0) / STREAM_COMMANDS;
}

function main(): void {
  const small = Buffer.alloc(16, 0x61);
  const large = Buffer.alloc(4096, 0x62);
  const rows: Row[] = [];
  for (const [label, body] of [
    ['16 B', small],
    ['4 KB', large],
  ] as const) {
    const pubBytes = commandBytes('publish', body);
    const delBytes = commandBytes('deliver', body);
    rows.push(
      row(
        `encode publish ${label}`,
        pubBytes,
        oursPublish(body),
        amqplibCommand(defs.BasicPublish, publishArgs, body),
      ),
    );
    rows.push(
      row(
        `encode deliver ${label} (fast path)`,
        delBytes,
        oursDeliverFast(body),
        amqplibCommand(defs.BasicDeliver, deliverArgs, body),
      ),
    );
    rows.push(
      row(
        `encode deliver ${label} (fast, raw props)`,
        delBytes,
        oursDeliverRaw(body),
        amqplibCommand(defs.BasicDeliver, deliverArgs, body),
      ),
    );
    rows.push(
      row(
        `encode deliver ${label} (generic)`,
        delBytes,
        oursDeliverGeneric(body),
        amqplibCommand(defs.BasicDeliver, deliverArgs, body),
      ),
    );
    const pub = stream('publish', body);
    rows.push(row(`decode publish ${label}`, pubBytes, oursDecode(pub), amqplibDecode(pub), STREAM_COMMANDS));
    const del = stream('deliver', body);
    rows.push(row(`decode deliver ${label}`, delBytes, oursDecode(del), amqplibDecode(del), STREAM_COMMANDS));
  }
  print(rows);
}

function print(rows: Row[]): void {
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cpus), node ${process.version}`);
  console.log(
    `each case: ${ROUNDS} alternating rounds, ~${CASE_SECONDS}s per codec, median round; ` +
      'a command = 3 frames (method, header, body)\n',
  );
  const header = [
    'case',
    'B/cmd',
    'ours frames/s',
    'ours MB/s',
    'amqplib frames/s',
    'amqplib MB/s',
    'ours/amqplib',
  ];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.bytesPerCommand),
    fmt(r.ours * 3),
    fmt((r.ours * r.bytesPerCommand) / 1e6, 1),
    fmt(r.amqplib * 3),
    fmt((r.amqplib * r.bytesPerCommand) / 1e6, 1),
    `${(r.ours / r.amqplib).toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(render(l));
  if (sink === -1) console.log(sink);
}

main();
