'use strict';
// Sample module following docs/module-format.md: keeps stock levels and reserves items.
let stock = new Map();
let reservations = 0;

module.exports = {
  init(context) {
    const initial = (context.config && context.config.initialStock) || {};
    stock = new Map(Object.entries(initial));
  },

  handle(request) {
    if (!request) return { error: 'empty request' };
    if (request.op === 'level') return { sku: request.sku, available: stock.get(request.sku) || 0 };
    if (request.op === 'reserve') {
      const available = stock.get(request.sku) || 0;
      const quantity = Number(request.quantity) || 0;
      if (quantity <= 0 || quantity > available) return { reserved: false, available };
      stock.set(request.sku, available - quantity);
      reservations += 1;
      return { reserved: true, remaining: available - quantity };
    }
    return { error: 'unsupported operation' };
  },

  health() {
    const empty = [...stock.values()].filter((n) => n === 0).length;
    return {
      status: empty === stock.size && stock.size > 0 ? 'degraded' : 'healthy',
      details: { reservations, emptySkus: empty },
    };
  },

  dispose() {
    stock.clear();
  },
};
