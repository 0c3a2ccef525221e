/**
 * ManagementServer: RabbitMQ-style management HTTP API, Prometheus /metrics and the web
 * dashboard, over node:http, for a Broker and its UserStore (and the AmqpServer, when there
 * is one, for connections and channels). `warren broker --http-port` runs one; an embedded
 * app can run one too: `new ManagementServer({ broker, users, port: 15672 }).listen()`.
 *
 * Every /api route and /metrics need HTTP basic auth with a user tagged administrator,
 * monitoring or management (auth.ts); the dashboard's static files do not. /metrics can
 * instead be served without auth on a listener of its own (`metrics: { port, host }`, e.g.
 * loopback only for a local Prometheus). Errors are JSON { error, reason } with RabbitMQ's
 * status codes. Mutating requests are refused from a foreign Origin and with a body that is
 * not JSON (csrf.ts); every response forbids framing and sets a same-origin CSP.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { UserStore } from '../../broker/access/user-store.js';
import type { Broker } from '../../broker/broker.js';
import type { AmqpServer } from '../tcp/server.js';
import { authenticateRequest, requireAdmin } from './auth.js';
import { refuseCrossSiteWrite, SECURITY_HEADERS } from './csrf.js';
import { exportDefinitions, importDefinitions, resetBroker } from './definitions.js';
import {
  HttpError,
  notFound,
  pathSegments,
  readJson,
  sendError,
  sendJson,
  sendNoContent,
  sendText,
} from './http-util.js';
import { brokerMetrics } from './prometheus.js';
import { DEFAULT_SLICE_SIZE, RateSampler } from './rates.js';
import { matchPath, noContent, ok } from './route.js';
import type { Call, ManagementContext, Result, Route } from './route.js';
import { ACCESS_ROUTES } from './routes-access.js';
import type { JobsProvider } from './jobs-provider.js';
import { DEAD_LETTER_ROUTES } from './routes-dead-letters.js';
import { JOB_ROUTES } from './routes-jobs.js';
import { OVERVIEW_ROUTES } from './routes-overview.js';
import { POLICY_ROUTES } from './routes-policies.js';
import { RESOURCE_ROUTES } from './routes-resources.js';
import { SampleHistory } from './sample-history.js';
import { counterEntries, HISTORY_FIELDS, OVERVIEW_KEY } from './views.js';

/** How long chart history is kept, the overview's and watched queues' (RabbitMQ keeps an hour of samples too). */
export const HISTORY_RETENTION_MS = 3_600_000;

export interface ManagementServerOptions {
  broker: Broker;
  /** Users for HTTP auth and permissions (the AmqpServer's, so both agree). */
  users?: UserStore;
  /** The AMQP listener, for /api/connections, /api/channels and consumers' channels. */
  server?: AmqpServer;
  /** Default 15672; 0 picks a free port. */
  port?: number;
  /** Default '0.0.0.0' (guest is still loopback-only). */
  host?: string;
  /** Node name shown in the API and trace headers (default warren@hostname). */
  node?: string;
  /** Version shown by the API. */
  version?: string;
  /** Rate sampling interval in ms (default 1000). */
  sampleIntervalMs?: number;
  /** More Prometheus text for /metrics (an embedded app's framework metrics). */
  extraMetrics?: () => string;
  /**
   * Serve /metrics without auth on this listener as well (host default 127.0.0.1). On the
   * main port /metrics always needs a management user's basic auth.
   */
  metrics?: { port: number; host?: string };
  /** The job store's view for /api/jobs and the dashboard's Jobs page (jobs-provider.ts). */
  jobs?: JobsProvider;
}

const ASSETS: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/charts.js': ['charts.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function adminRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: 'api/definitions',
      handler: (call) => {
        requireAdmin(call.principal);
        return ok(exportDefinitions(call.ctx.broker, call.ctx.users, call.ctx.version));
      },
    },
    {
      method: 'POST',
      path: 'api/definitions',
      handler: async (call) => {
        requireAdmin(call.principal);
        importDefinitions(call.ctx.broker, call.ctx.users, await call.body());
        return noContent();
      },
    },
    {
      method: 'POST',
      path: 'api/reset',
      handler: (call) => {
        requireAdmin(call.principal);
        resetBroker(call.ctx.broker, call.ctx.users);
        return noContent();
      },
    },
  ];
}

export class ManagementServer {
  readonly context: ManagementContext;
  private readonly http: Server;
  private readonly routes: Route[] = [
    ...OVERVIEW_ROUTES,
    ...RESOURCE_ROUTES,
    ...ACCESS_ROUTES,
    ...DEAD_LETTER_ROUTES,
    ...POLICY_ROUTES,
    ...JOB_ROUTES,
    ...adminRoutes(),
  ];
  private readonly assets = new Map<string, string>();
  private metricsListener: Server | undefined;
  /** The last /metrics text and when it was made: scrapes within one sample interval share it. */
  private metricsCache: { at: number; text: string } | undefined;

  constructor(private readonly options: ManagementServerOptions) {
    const broker = options.broker;
    const interval = options.sampleIntervalMs ?? 1000;
    this.context = {
      broker,
      users: options.users ?? options.server?.users ?? UserStore.withDefaultUser(),
      server: options.server,
      node: options.node ?? `warren@${hostname()}`,
      version: options.version ?? '0.1.0',
      sampler: new RateSampler(
        () => counterEntries(broker),
        interval,
        DEFAULT_SLICE_SIZE,
        new SampleHistory(HISTORY_FIELDS, {
          capacity: Math.ceil(HISTORY_RETENTION_MS / interval),
          pinned: [OVERVIEW_KEY],
        }),
      ),
      jobs: options.jobs,
    };
    this.http = createServer((req, res) => void this.handle(req, res));
  }

  /** Where the separate /metrics listener listens (after listen(), when configured). */
  get metricsAddress(): { host: string; port: number } | undefined {
    const a = this.metricsListener?.address() as AddressInfo | null | undefined;
    return a ? { host: a.address, port: a.port } : undefined;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const address = await this.listenMain();
    const metrics = this.options.metrics;
    if (metrics !== undefined) {
      const listener = createServer((req, res) => this.handleMetricsOnly(req, res));
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(metrics.port, metrics.host ?? '127.0.0.1', () => {
          listener.off('error', reject);
          resolve();
        });
      }).catch(async (e: unknown) => {
        await this.close();
        throw e;
      });
      this.metricsListener = listener;
    }
    return address;
  }

  private listenMain(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 15672, this.options.host ?? '0.0.0.0', () => {
        this.http.off('error', reject);
        this.context.sampler.start();
        const a = this.http.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  async close(): Promise<void> {
    this.context.sampler.stop();
    const listener = this.metricsListener;
    this.metricsListener = undefined;
    await Promise.all(
      [this.http, listener].map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server === undefined || !server.listening) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private handleMetricsOnly(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/metrics') return this.sendMetrics(res);
    sendError(res, notFound());
  }

  private sendMetrics(res: ServerResponse): void {
    const now = Date.now();
    const interval = this.options.sampleIntervalMs ?? 1000;
    if (this.metricsCache === undefined || now - this.metricsCache.at >= interval) {
      const extra = this.options.extraMetrics?.() ?? '';
      this.metricsCache = { at: now, text: brokerMetrics(this.context.broker, this.context.server) + extra };
    }
    sendText(res, 200, 'text/plain; version=0.0.4; charset=utf-8', this.metricsCache.text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      if (req.method === 'GET' && url.pathname === '/metrics') {
        authenticateRequest(req, this.context.users);
        return this.sendMetrics(res);
      }
      if (!url.pathname.startsWith('/api/')) return this.serveAsset(url.pathname, res);
      refuseCrossSiteWrite(req);
      const result = await this.dispatch(req, url);
      if (req.method !== 'GET') await this.definitionsOnDisk();
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      if (result.body === undefined) return sendNoContent(res, result.status);
      sendJson(res, result.status, result.body);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'internal_error', String(e));
      const fromDashboard = req.headers['x-warren-dashboard'] !== undefined;
      const headers: Record<string, string> =
        err.status === 401 && !fromDashboard ? { 'www-authenticate': 'Basic realm="Warren Management"' } : {};
      if (!res.headersSent) sendError(res, err, headers);
      else res.destroy();
    }
  }

  /**
   * A change to durable definitions (or users) is answered only once it is on disk, so a
   * crash right after a 201/204 loses nothing; a failed write is a 500, never a success.
   */
  private async definitionsOnDisk(): Promise<void> {
    try {
      await this.context.broker.definitionsSaved();
    } catch (e) {
      throw new HttpError(500, 'internal_error', `definitions could not be saved: ${errorText(e)}`);
    }
  }

  private async dispatch(req: IncomingMessage, url: URL): Promise<Result> {
    const segments = pathSegments(url.pathname);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchPath(route.path, segments);
      if (params === undefined) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      const principal = authenticateRequest(req, this.context.users);
      const call: Call = {
        ctx: this.context,
        principal,
        params,
        query: url.searchParams,
        req,
        body: () => readJson(req),
      };
      return await route.handler(call);
    }
    if (pathMatched) throw new HttpError(405, 'method_not_allowed', `${req.method} not allowed`);
    throw notFound();
  }

  private serveAsset(pathname: string, res: ServerResponse): void {
    const asset = ASSETS[pathname];
    if (asset === undefined) throw notFound();
    let text = this.assets.get(asset[0]);
    if (text === undefined) {
      text = readFileSync(new URL(`./dashboard/${asset[0]}`, import.meta.url), 'utf8');
      this.assets.set(asset[0], text);
    }
    sendText(res, 200, asset[1], text);
  }
}
