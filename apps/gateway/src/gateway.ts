import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  API_TOKEN_SQL,
  apiTokenRecordOf,
  authenticateApiToken,
  bearerToken,
  looksLikeApiToken,
  plausibleBearer,
  principalFromClaims,
  RATE_LIMIT_HIT_SQL,
  rateLimitCountOf,
  rateLimitHeaders,
  rateLimitHitParams,
  rateLimitKey,
  rateLimitMessage,
  resetSecondsOf,
  SESSION_STATE_SQL,
  sessionStateOf,
  SigningKeys,
  TOUCH_API_TOKEN_SQL,
  TtlCache,
  verifyAccessToken,
} from '@hotswap/auth-core';
import {
  corsPolicy,
  PlatformErrorCode,
  PROBLEM_CONTENT_TYPE,
  problemType,
  type ErrorCode,
  type FieldError,
  type Principal,
} from '@hotswap/contracts';
import {
  createEventInstruments,
  decideStream,
  EVENTS_WS_MAX_MESSAGE_BYTES,
  EVENTS_WS_PATH,
  EventRelay,
  EventSockets,
  EventStreams,
  parseStreamRequest,
  PgListenWakeSource,
  redeemTicket,
  openSseStream,
  SqlEventReader,
  TooManyStreamsError,
  type EventLogger,
} from '@hotswap/event-core';
import cors from 'cors';
import { Pool } from 'pg';
import proxyaddr from 'proxy-addr';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayConfig } from './gateway-config';

export const STREAM_PATH = '/api/v1/events/stream';
export const METRICS_PATH = '/metrics';
/** The API's rate-limit class of stream requests (`@RateLimit('streams')`): one budget for both. */
const STREAMS_BUDGET = 'streams';

export interface RunningGateway {
  readonly port: number;
  /** Stops accepting, closes every stream and socket, stops the relay, closes the pool. */
  stop(): Promise<void>;
}

function problem(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  detail: string,
  extra: { errors?: readonly FieldError[]; headers?: Record<string, string> } = {},
): void {
  const body = JSON.stringify({
    type: problemType(code),
    title: http.STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: (res.req.url ?? '/').split('?')[0],
    code,
    traceId: randomBytes(16).toString('hex'),
    ...(extra.errors !== undefined ? { errors: extra.errors } : {}),
  });
  res.writeHead(status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Cache-Control': 'no-store',
    ...extra.headers,
  });
  res.end(body);
}

/** A query string as the API's parser gives it: one string, or an array for a repeated name. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/**
 * The standalone event gateway (DR-35): the SSE stream and `/ws` of events spec §2–3 on plain
 * `node:http` + `ws` + `pg`, with the relay, fan-out, filters, replay, tickets and token checks of
 * @hotswap/event-core and @hotswap/auth-core — the code the API's own streams run.
 */
export async function startGateway(config: GatewayConfig, logger: EventLogger): Promise<RunningGateway> {
  const pool = new Pool({
    connectionString: config.databaseUrl,
    max: config.databasePoolSize,
    application_name: 'hotswap-event-gateway',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (error) => logger.warn({ msg: 'idle database connection failed', err: error }));
  const query = async (sql: string, params?: unknown[]): Promise<unknown> =>
    (await pool.query(sql, params)).rows;

  // The API's metrics: the same event instruments (event-core) and Node's default process metrics.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createEventInstruments(registry);

  const reader = new SqlEventReader(query);
  const relay = new EventRelay(
    reader,
    new PgListenWakeSource(config.databaseUrl, logger),
    { pollIntervalMs: config.events.pollIntervalMs },
    metrics,
    logger,
  );
  const streams = new EventStreams(
    reader,
    relay,
    {
      clientBufferBytes: config.events.clientBufferBytes,
      maxStreamsPerUser: config.events.maxStreamsPerUser,
    },
    metrics,
    logger,
  );

  const keys = new SigningKeys({
    secret: config.jwt.secret,
    previousSecret: config.jwt.previousSecret,
    privateKeyPem: config.jwt.privateKeyPem,
    previousPublicKeyPem: config.jwt.previousPublicKeyPem,
  });
  const tokenSettings = { issuer: config.jwt.issuer, audience: config.jwt.audience };
  const stateCache = new TtlCache(config.authStateCacheMs);
  const sessionState = (sid: string) =>
    stateCache.get(`session:${sid}`, async () => sessionStateOf(await query(SESSION_STATE_SQL, [sid])));
  /** API tokens by hash, access tokens by signature and session: the API's rules (auth-core). */
  const apiTokens = {
    load: (hash: string) =>
      stateCache.get(`api-token:${hash}`, async () => apiTokenRecordOf(await query(API_TOKEN_SQL, [hash]))),
    touch: async (id: string, at: Date, minIntervalMs: number) => {
      await query(TOUCH_API_TOKEN_SQL, [id, at, new Date(at.getTime() - minIntervalMs)]);
    },
  };
  const verifyToken = async (token: string): Promise<Principal | undefined> => {
    if (!plausibleBearer(token)) return undefined;
    if (looksLikeApiToken(token)) return authenticateApiToken(token, apiTokens, new Date());
    const claims = verifyAccessToken(token, keys, tokenSettings);
    if (claims === undefined) return undefined;
    return (await principalFromClaims(claims, sessionState)) || undefined;
  };
  const redeem = (ticket: string) => redeemTicket(query, ticket, new Date());

  const sockets = new EventSockets(
    streams,
    { redeemTicket: redeem, verifyToken },
    { heartbeatMs: config.events.heartbeatMs, authTimeoutMs: config.events.wsAuthTimeoutMs },
    logger,
  );
  let stopping = false;

  const windowMs = config.rateLimit.windowSeconds * 1000;
  const trusted = proxyaddr.compile([...config.trustProxy]);
  /** The client's address: the socket's, or X-Forwarded-For's as far as trusted proxies vouch for it. */
  const clientAddress = (req: IncomingMessage): string => proxyaddr(req, trusted);
  /**
   * The API's `streams` budget of the caller (RATE_LIMIT_STREAMS per RATE_LIMIT_WINDOW_SECONDS) —
   * `tracker` is the bearer's principal, else the client address, as the API keys it —
   * counted in the same counter rows, so that opening streams on the API and on gateways draws from
   * one budget. Sets the `RateLimit-*` headers; false (and a 429 sent) when the budget is spent.
   */
  async function withinStreamBudget(tracker: string, res: ServerResponse): Promise<boolean> {
    if (!config.rateLimit.enabled) return true;
    const limit = config.rateLimit.streams;
    const now = new Date();
    const key = rateLimitKey(STREAMS_BUDGET, tracker);
    const count = rateLimitCountOf(await query(RATE_LIMIT_HIT_SQL, rateLimitHitParams(key, windowMs, now)));
    const reset = resetSecondsOf(count, now);
    const headers = rateLimitHeaders(limit, count.hits, reset, windowMs, STREAMS_BUDGET);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (count.hits <= limit) return true;
    problem(
      res,
      429,
      PlatformErrorCode.RateLimited,
      rateLimitMessage(limit, windowMs, STREAMS_BUDGET, reset),
      {
        headers: { 'Retry-After': String(reset) },
      },
    );
    return false;
  }

  async function stream(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const lastEventId = req.headers['last-event-id'];
    const parsed = parseStreamRequest(
      queryOf(url),
      Array.isArray(lastEventId) ? lastEventId[0] : lastEventId,
    );
    const authorization = req.headers.authorization;
    let principal: Principal | undefined;
    if (authorization !== undefined) {
      const token = bearerToken(authorization);
      if (token !== undefined) principal = await verifyToken(token);
    }
    // Counted before a ticket is redeemed or anything refused, as the API's guard does: by the bearer's
    // principal, otherwise by the client's address (X-Forwarded-For only from TRUST_PROXY).
    const tracker =
      principal === undefined ? `ip:${clientAddress(req)}` : `${principal.kind}:${principal.id}`;
    if (!(await withinStreamBudget(tracker, res))) return;
    if (principal === undefined && parsed.ticket !== undefined) principal = await redeem(parsed.ticket);
    if (principal === undefined) {
      problem(
        res,
        401,
        PlatformErrorCode.Unauthenticated,
        'A valid bearer token or stream ticket is required.',
        {
          headers: { 'WWW-Authenticate': 'Bearer' },
        },
      );
      return;
    }
    const decision = decideStream(parsed, principal.roles);
    if (!decision.ok) {
      if (decision.status === 400)
        problem(res, 400, PlatformErrorCode.ValidationFailed, 'The request is invalid.', {
          errors: decision.errors,
        });
      else problem(res, 403, PlatformErrorCode.Forbidden, decision.message);
      return;
    }
    try {
      const request = { principal, filter: decision.filter, since: parsed.since };
      await openSseStream(streams, request, res, config.events.heartbeatMs);
    } catch (error) {
      if (!(error instanceof TooManyStreamsError)) throw error;
      problem(res, 429, PlatformErrorCode.RateLimited, error.message, { headers: { 'Retry-After': '5' } });
    }
  }

  async function ready(res: ServerResponse): Promise<void> {
    let up = !stopping;
    if (up)
      up = await pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
    res.writeHead(up ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(
      JSON.stringify({ status: up ? 'ok' : 'unavailable', streams: streams.size, sockets: sockets.size }),
    );
  }

  async function exposition(res: ServerResponse): Promise<void> {
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(text);
  }

  const policy = corsPolicy(config.corsOrigins);
  // The API's CORS (Nest's enableCors is this middleware with these options); preflights end here.
  const allowOrigins = policy === undefined ? undefined : cors(policy);

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const path = url.pathname;
    let handled: Promise<void>;
    if (path === STREAM_PATH && req.method === 'GET') handled = stream(req, res, url);
    else if (path === METRICS_PATH && req.method === 'GET') handled = exposition(res);
    else if (path === '/health/live' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      return;
    } else if (path === '/health/ready' && req.method === 'GET') handled = ready(res);
    else {
      problem(
        res,
        404,
        PlatformErrorCode.RouteNotFound,
        `The event gateway serves ${STREAM_PATH} and ${EVENTS_WS_PATH}.`,
      );
      return;
    }
    handled.catch((error: unknown) => {
      logger.error({ msg: 'event stream request failed', err: error });
      if (!res.headersSent) problem(res, 500, PlatformErrorCode.Internal, 'The stream could not be opened.');
      else res.destroy();
    });
  }

  const server = http.createServer((req, res) => {
    if (allowOrigins === undefined) route(req, res);
    else
      allowOrigins(req, res, (error?: unknown) => {
        if (error === undefined) route(req, res);
        else problem(res, 500, PlatformErrorCode.Internal, 'The request could not be handled.');
      });
  });
  // Streams are long-lived: no request timeout; a slow client is cut by the buffer bound instead.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: EVENTS_WS_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const route = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (route !== EVENTS_WS_PATH || stopping) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      sockets.handleConnection(ws);
      ws.on('close', () => sockets.handleDisconnect(ws));
    });
  });

  try {
    streams.start();
    await relay.start();
    sockets.start();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await relay.stop().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw error;
  }

  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      stopping = true;
      sockets.stop();
      streams.stop();
      await relay.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      wss.close();
      await pool.end();
    },
  };
}
