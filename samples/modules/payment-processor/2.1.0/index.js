'use strict';
// Sample module following docs/module-format.md: 2.0.0 plus a deterministic fraud score.
const { createHash, randomUUID } = require('node:crypto');

let limits = {};
let threshold = 1;
let handled = 0;
let declined = 0;
let startedAt = 0;

function fraudScore(request) {
  const digest = createHash('sha256')
    .update(String(request.cardToken || ''))
    .digest();
  return digest[0] / 255;
}

module.exports = {
  init(context) {
    const config = context.config || {};
    limits = config.limits || {};
    threshold = typeof config.fraudThreshold === 'number' ? config.fraudThreshold : 1;
    startedAt = Date.now();
  },

  handle(request) {
    handled += 1;
    if (!request || request.op !== 'authorize') return { error: 'unsupported operation' };
    const limit = limits[request.currency];
    if (limit === undefined) return { approved: false, reason: 'currency not supported' };
    const score = fraudScore(request);
    const approved =
      typeof request.amount === 'number' &&
      request.amount > 0 &&
      request.amount <= limit &&
      score < threshold;
    if (!approved) declined += 1;
    return { approved, fraudScore: score, authorizationId: approved ? randomUUID() : null, version: '2.1.0' };
  },

  health() {
    return { status: 'healthy', details: { handled, declined, uptimeMs: Date.now() - startedAt } };
  },

  dispose() {
    limits = {};
  },
};
