import type { Provider } from '@nestjs/common';
import {
  getToken,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const EVENTS_PUBLISHED_METRIC = 'hotswap_events_published_total';
export const EVENT_SUBSCRIBERS_METRIC = 'hotswap_event_subscribers';
export const EVENT_DELIVERY_METRIC = 'hotswap_event_delivery_seconds';

export type { StreamTransport } from '@hotswap/event-core';

const DEFINITIONS = {
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

/** The instruments of the event relay and streams. */
export class EventMetrics {
  constructor(
    readonly published: Counter<'type'>,
    readonly subscribers: Gauge<'transport'>,
    readonly delivery: Histogram<'transport'>,
  ) {}

  static standalone(registry = new Registry()): EventMetrics {
    const registers = [registry];
    const d = DEFINITIONS;
    return new EventMetrics(
      new Counter({ ...d.published, labelNames: [...d.published.labelNames], registers }),
      new Gauge({ ...d.subscribers, labelNames: [...d.subscribers.labelNames], registers }),
      new Histogram({
        ...d.delivery,
        labelNames: [...d.delivery.labelNames],
        buckets: [...d.delivery.buckets],
        registers,
      }),
    );
  }
}

export function eventMetricProviders(): Provider[] {
  const d = DEFINITIONS;
  return [
    makeCounterProvider({ ...d.published, labelNames: [...d.published.labelNames] }),
    makeGaugeProvider({ ...d.subscribers, labelNames: [...d.subscribers.labelNames] }),
    makeHistogramProvider({
      ...d.delivery,
      labelNames: [...d.delivery.labelNames],
      buckets: [...d.delivery.buckets],
    }),
    {
      provide: EventMetrics,
      inject: [
        getToken(EVENTS_PUBLISHED_METRIC),
        getToken(EVENT_SUBSCRIBERS_METRIC),
        getToken(EVENT_DELIVERY_METRIC),
      ],
      useFactory: (
        published: Counter<'type'>,
        subscribers: Gauge<'transport'>,
        delivery: Histogram<'transport'>,
      ) => new EventMetrics(published, subscribers, delivery),
    },
  ];
}
