import type { Provider } from '@nestjs/common';
import {
  createEventInstruments,
  EVENT_DELIVERY_METRIC,
  EVENT_METRICS,
  EVENT_SUBSCRIBERS_METRIC,
  EVENTS_PUBLISHED_METRIC,
} from '@hotswap/event-core';
import {
  getToken,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Registry, type Counter, type Gauge, type Histogram } from 'prom-client';

export { EVENT_DELIVERY_METRIC, EVENT_SUBSCRIBERS_METRIC, EVENTS_PUBLISHED_METRIC };
export type { StreamTransport } from '@hotswap/event-core';

/** The instruments of the event relay and streams (defined in @hotswap/event-core, shared with the event gateway). */
export class EventMetrics {
  constructor(
    readonly published: Counter<'type'>,
    readonly subscribers: Gauge<'transport'>,
    readonly delivery: Histogram<'transport'>,
  ) {}

  static standalone(registry = new Registry()): EventMetrics {
    const { published, subscribers, delivery } = createEventInstruments(registry);
    return new EventMetrics(published, subscribers, delivery);
  }
}

export function eventMetricProviders(): Provider[] {
  const d = EVENT_METRICS;
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
