// A TCP proxy between a client and a broker, so tests can drop connections for real (destroy
// both sockets) and refuse new ones for a while, as a network outage would.
import net from 'node:net';

export class TcpProxy {
  readonly #targetHost: string;
  #targetPort: number;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #accepting = true;

  constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost;
    this.#targetPort = targetPort;
  }

  /** Starts listening on an ephemeral port; resolves to it. */
  async listen(): Promise<number> {
    const server = net.createServer((client) => this.#accept(client));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  /** Destroys every proxied connection (both sides). */
  dropAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /** New connections go to `port` (a broker restarted on another port). */
  retarget(port: number): void {
    this.#targetPort = port;
  }

  /** Refuses (immediately closes) new connections until resume(). */
  pause(): void {
    this.#accepting = false;
  }

  resume(): void {
    this.#accepting = true;
  }

  async close(): Promise<void> {
    this.dropAll();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (!this.#accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.#targetPort, this.#targetHost);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.#sockets.delete(a);
        b.destroy();
      });
    }
  }
}
