/**
 * An amqp:// or amqps:// URL as the client connects with it, read as amqplib and the
 * RabbitMQ URI spec read it: user and password default to guest, the port to 5672 (5671 for
 * amqps), the vhost is the path without its leading '/' (percent-decoded, so `%2F` is '/';
 * no path at all is '/'), and `heartbeat`, `frameMax` and `channelMax` may be given as
 * query parameters (what the client asks for in connection.tune-ok).
 */

export interface AmqpEndpoint {
  tls: boolean;
  host: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  /** Seconds; undefined: the server's proposal. */
  heartbeat: number | undefined;
  frameMax: number | undefined;
  channelMax: number | undefined;
}

function numberParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new TypeError(`${name} in the AMQP URL must be a whole number, got "${raw}"`);
  return n;
}

export function parseAmqpUrl(text: string): AmqpEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`not a URL: "${text}"`);
  }
  const tls = url.protocol === 'amqps:';
  if (!tls && url.protocol !== 'amqp:') {
    throw new TypeError(`an AMQP URL starts with amqp:// or amqps://, got "${url.protocol}//"`);
  }
  return {
    tls,
    // IPv6 literals come bracketed ("[::1]"); sockets want them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: url.port === '' ? (tls ? 5671 : 5672) : Number(url.port),
    username: url.username === '' ? 'guest' : decodeURIComponent(url.username),
    password: url.password === '' && url.username === '' ? 'guest' : decodeURIComponent(url.password),
    vhost: url.pathname === '' ? '/' : decodeURIComponent(url.pathname.slice(1)),
    heartbeat: numberParam(url, 'heartbeat'),
    frameMax: numberParam(url, 'frameMax'),
    channelMax: numberParam(url, 'channelMax'),
  };
}
