'use strict';
// Sample module following docs/module-format.md: authorizes payments against per-currency limits.
const { randomUUID } = require('node:crypto');

let limits = {};
let handled = 0;
let startedAt = 0;

module.exports = {
  init(context) {
    limits = (context.config && context.config.limits) || {};
    startedAt = Date.now();
  },

  handle(request) {
    handled += 1;
    if (!request || request.op !== 'authorize') return { error: 'unsupported operation' };
    const limit = limits[request.currency];
    if (limit === undefined) return { approved: false, reason: 'currency not supported' };
    const approved = typeof request.amount === 'number' && request.amount > 0 && request.amount <= limit;
    return { approved, authorizationId: approved ? randomUUID() : null, version: '2.0.0' };
  },

  health() {
    return { status: 'healthy', details: { handled, uptimeMs: Date.now() - startedAt } };
  },

  dispose() {
    limits = {};
  },
};
