import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StreamMetrics } from './recorded-event';

export const EVENTS_PUBLISHED_METRIC = 'hotswap_events_published_total';
export const EVENT_SUBSCRIBERS_METRIC = 'hotswap_event_subscribers';
export const EVENT_DELIVERY_METRIC = 'hotswap_event_delivery_seconds';

/**
 * The event relay's and streams' metrics, defined once for every process that serves streams: the
 * API registers them through its Prometheus module, the event gateway in its own registry.
 */
export const EVENT_METRICS = {
  published: {
    name: EVENTS_PUBLISHED_METRIC,
    help: 'Committed events this replica relayed to its local subscribers, by type.',
    labelNames: ['type'],
  },
  subscribers: {
    name: EVENT_SUBSCRIBERS_METRIC,
    help: 'Open event streams on this replica, by transport (sse|ws).',
    labelNames: ['transport'],
  },
  delivery: {
    name: EVENT_DELIVERY_METRIC,
    help: "From the event's transaction to its hand-off to a client socket, by transport.",
    labelNames: ['transport'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
} as const;

/** The prom-client instruments of {@link EVENT_METRICS}. */
export interface EventInstruments extends StreamMetrics {
  readonly published: Counter<'type'>;
  readonly subscribers: Gauge<'transport'>;
  readonly delivery: Histogram<'transport'>;
}

/** Creates the instruments of {@link EVENT_METRICS} in `registry`. */
export function createEventInstruments(registry: Registry): EventInstruments {
  const registers = [registry];
  const { published, subscribers, delivery } = EVENT_METRICS;
  return {
    published: new Counter({ ...published, labelNames: [...published.labelNames], registers }),
    subscribers: new Gauge({ ...subscribers, labelNames: [...subscribers.labelNames], registers }),
    delivery: new Histogram({
      ...delivery,
      labelNames: [...delivery.labelNames],
      buckets: [...delivery.buckets],
      registers,
    }),
  };
}
