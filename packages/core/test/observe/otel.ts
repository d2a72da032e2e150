/** Real OpenTelemetry SDK providers with in-memory exporters, for asserting spans and metrics. */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

export function otelHarness() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    spans: () => spans.getFinishedSpans(),
    /** The points of one metric at the last collection. */
    async points(name: string): Promise<Point[]> {
      exporter.reset();
      await reader.forceFlush();
      const last = exporter.getMetrics().at(-1);
      const metric = last?.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []).map((p) => ({
        attributes: { ...p.attributes },
        value: p.value,
      }));
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** The value of the point whose attributes include `match`. */
export const pointValue = (points: Point[], match: Record<string, unknown>) =>
  points.find((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))?.value;
