/**
 * The parts of `@opentelemetry/api` authcore uses, structurally: the core has no dependency on it
 * (an optional peer), and ESM has no synchronous optional import, so you hand the API in.
 */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue | undefined>;

export interface SpanLike {
  setAttributes(attributes: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: Attributes; kind?: number }): SpanLike;
}
export interface CounterLike {
  add(value: number, attributes?: Attributes): void;
}
export interface HistogramLike {
  record(value: number, attributes?: Attributes): void;
}
export interface MeterLike {
  createCounter(name: string, options?: { description?: string; unit?: string }): CounterLike;
  createHistogram(name: string, options?: { description?: string; unit?: string }): HistogramLike;
}
/** `import * as otel` of `@opentelemetry/api`: the global tracer and meter providers. */
export interface OtelApiLike {
  trace: { getTracer(name: string, version?: string): TracerLike };
  metrics: { getMeter(name: string, version?: string): MeterLike };
}

/**
 * `{ api: otel }` (the global providers), or your own `tracer` and/or `meter`
 * (`trace.getTracer('my-api')`, `metrics.getMeter('my-api')`).
 */
export type TelemetryOptions =
  | { readonly api: OtelApiLike; readonly tracer?: never; readonly meter?: never }
  | { readonly api?: never; readonly tracer?: TracerLike; readonly meter?: MeterLike };

export interface Telemetry {
  tracer: TracerLike | undefined;
  meter: MeterLike | undefined;
}

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
export const SPAN_ERROR = 2;

export function resolveTelemetry(
  options: TelemetryOptions | undefined,
  name: string,
): Telemetry | undefined {
  if (!options) return undefined;
  if (options.api) {
    return {
      tracer: options.api.trace.getTracer(name),
      meter: options.api.metrics.getMeter(name),
    };
  }
  if (!options.tracer && !options.meter) return undefined;
  return { tracer: options.tracer, meter: options.meter };
}
