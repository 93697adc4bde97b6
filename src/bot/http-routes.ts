import { createServer, type IncomingHttpHeaders, type IncomingMessage as HttpIncoming, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BotError, BotErrorCode } from './errors.js';
import type { BotLogger } from './logger.js';

/** An HTTP request as a route handler sees it. */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/notify/alice`. */
  readonly path: string;
  /** The `:name` segments of the route, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: IncomingHttpHeaders;
  /** The body as text ('' when there is none). */
  readonly text: string;
  /** The parsed JSON when the content type is JSON, else the same as `text`. */
  readonly body: unknown;
  /** Aborted when the client goes away or the bot shuts down. */
  readonly signal: AbortSignal;
}

/** What a handler returns: a string (200, text), nothing (204), or a status with a body. */
export type HttpReply =
  | string
  | undefined
  | void
  | {
      /** @default 200, or 204 without a body */
      status?: number;
      /** A string is sent as text/plain; anything else as JSON. */
      body?: unknown;
      headers?: Readonly<Record<string, string>>;
    };

export type HttpHandler = (request: HttpRequest) => HttpReply | Promise<HttpReply>;

/** `ctx.http`: routes for the bot's HTTP listener (`sup bot --http`, config `http`). */
export interface PluginHttp {
  /** False when the bot has no HTTP listener: routes are kept but never reached. */
  readonly enabled: boolean;
  /** Answers GET (and HEAD) requests to `path`; `:name` segments become `request.params.name`. */
  get(path: string, handler: HttpHandler): void;
  post(path: string, handler: HttpHandler): void;
}

/** Where and how the bot listens for HTTP. */
export interface BotHttpOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Larger request bodies get 413. @default 65536 */
  maxBodyBytes?: number;
}

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_MAX_BODY_BYTES = 65_536;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  plugin: string;
  handler: HttpHandler;
}

/** Why a route path cannot be registered; undefined when it can. */
function routeProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || !path.startsWith('/')) return `a route path must be a string starting with "/", got ${JSON.stringify(path)}`;
  if (/[?#\s]/.test(path)) return `the route path "${path}" may not contain "?", "#" or whitespace`;
  return undefined;
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The routes of every plugin of a bot, matched by method and path segments. */
export class HttpRoutes {
  readonly #routes: Route[] = [];

  /** Adds a route; throws with a message for the plugin author on a bad path or a clash. */
  add(plugin: string, method: 'GET' | 'POST', path: string, handler: HttpHandler): void {
    const problem = routeProblem(path) ?? (typeof handler === 'function' ? undefined : `route ${method} ${path} needs a handler function`);
    if (problem !== undefined) throw new TypeError(problem);
    const segments = split(path);
    const shape = segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/');
    const clash = this.#routes.find((r) => r.method === method && r.segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/') === shape);
    if (clash !== undefined) {
      throw new TypeError(`route ${method} ${path} is taken by plugin "${clash.plugin}" (${clash.pattern}): use another path`);
    }
    this.#routes.push({ method, pattern: path, segments, plugin, handler });
  }

  get size(): number {
    return this.#routes.length;
  }

  /** Every route as `METHOD /path`. */
  describe(): string[] {
    return this.#routes.map((r) => `${r.method} ${r.pattern}`);
  }

  /** The route for a request: found, found under another method only, or none. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    const segments = split(path);
    let otherMethod = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === method || (route.method === 'GET' && method === 'HEAD')) return { route, params };
      otherMethod = true;
    }
    return otherMethod ? 'method' : undefined;
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const value = actual[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}

/** A request the listener answers itself, before any handler runs (a class, so no JSON body can pass for one). */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

/**
 * The bot's HTTP listener: bodies are read up to a limit and parsed, each request goes to its
 * route, a handler that throws gets 500 and a log line, unknown paths 404.
 */
export class HttpListener {
  readonly #routes: HttpRoutes;
  readonly #logger: BotLogger;
  readonly #maxBodyBytes: number;
  readonly #shutdown = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #server: Server;

  constructor(routes: HttpRoutes, logger: BotLogger, maxBodyBytes = DEFAULT_MAX_BODY_BYTES) {
    this.#routes = routes;
    this.#logger = logger;
    this.#maxBodyBytes = maxBodyBytes;
    this.#server = createServer((request, response) => {
      const handled = this.#handle(request, response).catch((error: unknown) => {
        this.#logger.error('http-failed', { method: request.method, path: request.url, error });
        if (!response.headersSent) send(response, 500, 'internal error\n');
        else response.destroy();
      });
      this.#inFlight.add(handled);
      void handled.finally(() => this.#inFlight.delete(handled));
    });
  }

  /** Starts listening; resolves with the address it got. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => {
        reject(
          new BotError(
            BotErrorCode.HttpListenFailed,
            `cannot listen for HTTP on ${host}:${port} (${error.code ?? error.message}): ` +
              'pick a free port with --http HOST:PORT or "http" in the bot config',
            { cause: error },
          ),
        );
      };
      this.#server.once('error', failed);
      this.#server.listen(port, host, () => {
        this.#server.off('error', failed);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Stops taking connections; resolves when the requests in progress have been answered. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    await Promise.allSettled([...this.#inFlight]);
    this.#server.closeIdleConnections();
    await closed;
  }

  /** Cuts every connection, for a shutdown that ran out of time. */
  abort(): void {
    this.#shutdown.abort();
    this.#server.closeAllConnections();
  }

  async #handle(request: HttpIncoming, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const found = this.#routes.match(method, url.pathname);
    if (found === undefined) {
      request.resume();
      send(response, 404, `no route for ${url.pathname}\n`);
      return;
    }
    if (found === 'method') {
      request.resume();
      send(response, 405, `${method} is not allowed on ${url.pathname}\n`);
      return;
    }
    const signal = requestSignal(response, this.#shutdown.signal);
    const text = await readBody(request, this.#maxBodyBytes);
    const body = text instanceof Refusal ? text : parseBody(request.headers['content-type'], text);
    if (text instanceof Refusal || body instanceof Refusal) {
      const refusal = text instanceof Refusal ? text : (body as Refusal);
      send(response, refusal.status, `${refusal.message}\n`, { connection: 'close' });
      return;
    }
    const { route, params } = found;
    let reply: HttpReply;
    try {
      reply = await route.handler(Object.freeze({ method, path: url.pathname, params, query: url.searchParams, headers: request.headers, text, body, signal }));
    } catch (error) {
      this.#logger.error('http-handler-failed', { plugin: route.plugin, method, path: url.pathname, error });
      send(response, 500, 'internal error: the bot logged the cause\n');
      return;
    }
    writeReply(response, reply, method === 'HEAD');
  }
}

/** Aborted on shutdown or when the response closes (answered, or the client went away). */
function requestSignal(response: ServerResponse, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (shutdown.aborted) abort();
  shutdown.addEventListener('abort', abort, { once: true });
  // Per response, not per socket: a kept-alive socket would collect a listener per request.
  response.once('close', () => {
    shutdown.removeEventListener('abort', abort);
    abort();
  });
  return controller.signal;
}

async function readBody(request: HttpIncoming, limit: number): Promise<string | Refusal> {
  const tooLarge = new Refusal(413, `the body is larger than ${limit} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return tooLarge;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Reads no more: the connection is closed after the answer.
      request.pause();
      return tooLarge;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(contentType: string | undefined, text: string): unknown {
  const isJson = contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
  if (!isJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new Refusal(400, `the body is not valid JSON (${(error as Error).message})`);
  }
}

function writeReply(response: ServerResponse, reply: HttpReply, head: boolean): void {
  if (reply === undefined || reply === null) {
    send(response, 204, undefined);
    return;
  }
  if (typeof reply === 'string') {
    send(response, 200, reply, {}, head);
    return;
  }
  const body = reply.body;
  const status = reply.status ?? (body === undefined ? 204 : 200);
  send(response, status, body, reply.headers ?? {}, head);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}, head = false): void {
  let payload: string | undefined;
  let type: string | undefined;
  if (typeof body === 'string') {
    payload = body;
    type = 'text/plain; charset=utf-8';
  } else if (body !== undefined) {
    payload = `${JSON.stringify(body)}\n`;
    type = 'application/json';
  }
  response.statusCode = status;
  if (type !== undefined) response.setHeader('content-type', type);
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  if (payload === undefined) {
    response.end();
    return;
  }
  response.setHeader('content-length', Buffer.byteLength(payload));
  response.end(head ? undefined : payload);
}
