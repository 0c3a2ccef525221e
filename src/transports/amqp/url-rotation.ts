/**
 * The urls an AmqpTransport connects to, taken in turn: one per connection attempt, so a
 * client given every node of a cluster reaches whichever node is alive.
 */
export class UrlRotation {
  readonly #urls: readonly string[];
  #index = 0;

  constructor(urls: readonly string[]) {
    if (urls.length === 0) throw new TypeError('AmqpTransport needs at least one url');
    for (const url of urls) {
      try {
        new URL(url);
      } catch {
        throw new TypeError(`not a valid amqp url: ${redact(url)}`);
      }
    }
    this.#urls = [...urls];
  }

  get size(): number {
    return this.#urls.length;
  }

  /** The url the next connection attempt uses. */
  get current(): string {
    return this.#urls[this.#index] as string;
  }

  /** Moves on to the next url (wrapping around). */
  advance(): void {
    this.#index = (this.#index + 1) % this.#urls.length;
  }
}

/** The url without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
