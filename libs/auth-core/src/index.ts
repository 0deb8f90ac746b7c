// Framework-free access-token checks: the signing keys, the verification and the session rules,
// shared by the API (its authentication guard, WebSocket auth) and the standalone event gateway (DR-35),
// which loads no Nest.
export {
  bearerToken,
  MAX_BEARER_LENGTH,
  plausibleBearer,
  principalFromClaims,
  SESSION_STATE_SQL,
  sessionStateOf,
  verifyAccessToken,
  type AccessTokenPrincipal,
  type AccessTokenSettings,
  type SessionState,
} from './access-token';
export {
  ACCESS_TOKEN_TYPE,
  SigningKeys,
  type JwtAlgorithm,
  type PublicJwk,
  type VerificationKey,
} from './signing-keys';
export { TtlCache } from './ttl-cache';
export {
  API_TOKEN_PREFIX,
  API_TOKEN_SQL,
  authenticateApiToken,
  apiTokenPrincipal,
  apiTokenRecordOf,
  hashToken,
  LAST_USED_RESOLUTION_MS,
  lastUseDue,
  looksLikeApiToken,
  TOUCH_API_TOKEN_SQL,
  wellFormedApiToken,
  type ApiTokenPrincipal,
  type ApiTokenRecord,
  type ApiTokenStore,
} from './api-token';
export {
  RATE_LIMIT_HIT_SQL,
  rateLimitCountOf,
  rateLimitHeaders,
  rateLimitHitParams,
  rateLimitKey,
  rateLimitMessage,
  resetSecondsOf,
  type RateLimitCount,
} from './rate-limit';
