import { Registry } from 'prom-client';
import { createEventInstruments, EVENT_METRICS } from './event-metrics';

describe('event metrics (one definition for the API and the event gateway)', () => {
  it('registers the three instruments under their names, labels and buckets', async () => {
    const registry = new Registry();
    const m = createEventInstruments(registry);
    m.published.inc({ type: 'deployment.created' });
    m.subscribers.inc({ transport: 'sse' });
    m.subscribers.inc({ transport: 'ws' });
    m.subscribers.dec({ transport: 'ws' });
    m.delivery.labels({ transport: 'ws' }).observe(0.02);
    const text = await registry.metrics();
    expect(text).toContain('hotswap_events_published_total{type="deployment.created"} 1');
    expect(text).toContain('hotswap_event_subscribers{transport="sse"} 1');
    expect(text).toContain('hotswap_event_subscribers{transport="ws"} 0');
    expect(text).toContain('hotswap_event_delivery_seconds_bucket{le="0.01",transport="ws"} 0');
    expect(text).toContain('hotswap_event_delivery_seconds_bucket{le="0.025",transport="ws"} 1');
    expect(EVENT_METRICS.delivery.buckets).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });
});
