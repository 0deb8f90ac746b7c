import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  parseWebhookUrl,
  resolveTarget,
  systemResolver,
  WebhookTargetError,
  type Resolver,
} from './webhook-target';

export const SIGNATURE_HEADER = 'X-HotSwap-Signature';
export const EVENT_HEADER = 'X-HotSwap-Event';
export const DELIVERY_HEADER = 'X-HotSwap-Delivery';

/** The signature header's value for a body: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface WebhookRequest {
  readonly url: string;
  readonly secret: string;
  readonly deliveryId: string;
  readonly eventType: string;
  readonly body: string;
}

export interface WebhookResult {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** Worth another attempt (a refused target is not). */
  readonly retry: boolean;
}

export interface WebhookSenderSettings {
  readonly allowPrivateTargets: boolean;
  readonly timeoutMs: number;
}

/**
 * POSTs one signed webhook body. The target is resolved and checked at delivery time and the
 * connection pinned to the checked address; redirects are not followed.
 */
export class WebhookSender {
  constructor(
    private readonly settings: WebhookSenderSettings,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  async send(request: WebhookRequest): Promise<WebhookResult> {
    let url: URL;
    let target: { address: string; family: 4 | 6 };
    try {
      url = parseWebhookUrl(request.url);
      target = await resolveTarget(url, this.settings.allowPrivateTargets, this.resolver);
    } catch (error) {
      const permanent = error instanceof WebhookTargetError ? error.permanent : false;
      return {
        ok: false,
        statusCode: null,
        error: `refused: ${error instanceof Error ? error.message : String(error)}`,
        retry: !permanent,
      };
    }
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all === true) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<WebhookResult>((resolve) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          lookup: pinned,
          timeout: this.settings.timeoutMs,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(request.body, 'utf8'),
            'User-Agent': 'HotSwap-Webhooks/1',
            [EVENT_HEADER]: request.eventType,
            [DELIVERY_HEADER]: request.deliveryId,
            [SIGNATURE_HEADER]: signBody(request.secret, request.body),
          },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          const done = (): void => {
            const ok = status >= 200 && status < 300;
            resolve({ ok, statusCode: status, error: ok ? null : `HTTP ${status}`, retry: !ok });
          };
          res.on('end', done);
          res.on('error', done);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no response within ${this.settings.timeoutMs} ms`)));
      req.on('error', (error) => resolve({ ok: false, statusCode: null, error: error.message, retry: true }));
      req.end(request.body);
    });
  }
}
