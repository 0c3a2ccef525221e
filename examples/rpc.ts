// RabbitMQ tutorial 6, "RPC", with Warren: a procedure `rpc.fib` on a request queue; the caller
// gets its reply over direct reply-to, matched by correlation id, or an error (the server's
// exception, a schema violation, a timeout). Run: npx tsx examples/rpc.ts
import { RemoteError, Rpc, Service, Warren } from 'warren';

const FibRequestSchema = {
  type: 'object',
  properties: { n: { type: 'integer', minimum: 0, maximum: 40 } },
  required: ['n'],
} as const;

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

@Service('fibonacci')
class Fibonacci {
  @Rpc('rpc.fib', { schema: FibRequestSchema, timeout: 5_000 })
  compute(req: { n: number }): Promise<number> {
    console.log(` [.] fib(${req.n})`);
    return Promise.resolve(fib(req.n));
  }
}

const app = await Warren.start({ services: [Fibonacci] });
for (const n of [10, 30]) {
  console.log(` [x] Requesting fib(${n})`);
  const result = await app.client.call('rpc.fib', { n });
  console.log(` [.] Got ${String(result)}`);
}
try {
  await app.client.call('rpc.fib', { n: 99 });
} catch (err) {
  if (!(err instanceof RemoteError)) throw err;
  console.log(` [!] fib(99) refused: ${err.remoteCode} ${err.message}`);
}
await app.close();
