// OpenTelemetry traces (issue 12): off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. When on, each
// GraphQL operation is a span (the Envelop OpenTelemetry plugin) with its name, cost and
// organization id, under the HTTP request's span (instrumentation-http) and above its SQL
// statements (instrumentation-pg, PostgreSQL only: PGlite runs in the process, with no driver to
// instrument). Spans go to an OTLP/HTTP collector in batches.
//
// The SDK is loaded only by startTracing (dynamic imports): a process with tracing off, and every
// test that does not trace, does not pay for loading it.
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, trace, type Span, type TimeInput, type TracerProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';

export interface TracingOptions {
  /**
   * Base URL of an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:4318):
   * spans are posted to `<endpoint>/v1/traces`.
   */
  endpoint?: string;
  /** Where spans go instead, one by one as they end (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** `service.name` of the spans (OTEL_SERVICE_NAME). */
  serviceName?: string;
}

export interface Tracing {
  provider: TracerProvider;
  /**
   * Sends the spans still buffered, then stops tracing (unpatches, unregisters the provider):
   * startTracing may then start it again. Safe to call twice.
   */
  shutdown(): Promise<void>;
  /** The Envelop OpenTelemetry plugin's module, loaded with the SDK. */
  envelop: typeof import('@envelop/opentelemetry');
}

export const DEFAULT_SERVICE_NAME = 'agency-graphql-gateway';

/** Requests that are not worth a trace: probes and scrapes, every few seconds. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

let started: Promise<Tracing | undefined> | undefined;
let instrumentations: Instrumentation[] | undefined;

/**
 * Starts tracing for the process (once: a second call returns the first one's result), or returns
 * undefined when there is neither an endpoint nor an exporter. Registers the tracer provider and
 * the async context globally, and patches `http`/`https` and `pg` in place, so it may run before
 * or after they are imported (their prototypes are patched, which existing pools use too).
 */
export function startTracing(options: TracingOptions = {}): Promise<Tracing | undefined> {
  if (!options.exporter && !options.endpoint) return Promise.resolve(undefined);
  return (started ??= load(options).catch((error: unknown) => {
    started = undefined;
    throw error;
  }));
}

/** startTracing from the environment: OTEL_EXPORTER_OTLP_ENDPOINT (off when unset) and OTEL_SERVICE_NAME. */
export function startTracingFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return Promise.resolve(undefined);
  return startTracing({ endpoint, serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined });
}

/** `<endpoint>/v1/traces`, as the OTLP specification builds a signal's URL from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint); // Throws on a malformed endpoint: a configuration error, said at start.
  return `${url.href.replace(/\/+$/, '')}/v1/traces`;
}

async function load(options: TracingOptions): Promise<Tracing> {
  const [
    { NodeTracerProvider },
    { BatchSpanProcessor, SimpleSpanProcessor },
    { defaultResource, resourceFromAttributes },
    { ATTR_SERVICE_NAME },
    { registerInstrumentations },
    { HttpInstrumentation },
    { PgInstrumentation },
    envelop,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@envelop/opentelemetry'),
  ]);
  let processor;
  if (options.exporter) {
    processor = new SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint!) }));
  }
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName ?? DEFAULT_SERVICE_NAME }),
    ),
    spanProcessors: [processor],
  });
  // The global provider, W3C trace-context propagation and the AsyncLocalStorage context manager.
  provider.register();
  // Created once per process and re-enabled on a later start: an instrumentation patches a module
  // when it is required, and a module required before (by an earlier instance) is not offered again.
  // `enabled: false` at construction: registerInstrumentations enables them (on every start).
  instrumentations ??= [
    new HttpInstrumentation({
      enabled: false,
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
      // The exporter's own posts to the collector are not traced (it suppresses them); nothing else
      // in the gateway calls out over HTTP.
    }),
    // Only statements inside a traced request: the pool's own housekeeping is not worth a trace.
    new PgInstrumentation({ enabled: false, requireParentSpan: true }),
  ];
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations });
  patchLoadedModules();
  let stopping: Promise<void> | undefined;
  return {
    provider,
    envelop,
    shutdown: () =>
      (stopping ??= (async () => {
        unregister();
        await provider.shutdown();
        // Unregistered globally too, so that tracing can be started again (e.g. a benchmark that
        // compares tracing off and on in one run).
        trace.disable();
        context.disable();
        propagation.disable();
        started = undefined;
      })()),
  };
}

/**
 * The instrumentations patch a module when it is `require`d after they are enabled. The gateway is
 * ESM: `import pg from 'pg'` and `import { createServer } from 'node:http'` do not go through
 * `require`, and may already have happened. Requiring the modules once more here lets the
 * instrumentations patch them now: the patches are on shared prototypes (http.Server, pg.Client,
 * pg-pool's Pool), which the ESM imports see too. No loader hook (--import) is needed.
 */
function patchLoadedModules(): void {
  const require = createRequire(import.meta.url);
  for (const name of ['node:http', 'node:https']) require(name);
  let pgPath: string;
  try {
    pgPath = require.resolve('pg');
  } catch {
    return; // No pg installed: nothing to patch.
  }
  require('pg');
  // pg-pool as pg itself resolves it.
  createRequire(pgPath)('pg-pool');
}

export const ATTRIBUTES = {
  /** extensions.cost.requested: the operation's cost as the rate limiter computed it before running it. */
  cost: 'gateway.cost.requested',
  /** extensions.cost.actual: what the result turned out to cost (the rest is refunded). */
  actualCost: 'gateway.cost.actual',
  organizationId: 'gateway.organization.id',
  requestId: 'gateway.request.id',
} as const;

interface Deferred {
  span: Span;
  /** Ends the span now if the Envelop plugin has ended it already, or as soon as it does. */
  release(): void;
}

/** The result's `extensions.cost.requested` (or `.actual`), when the rate limiter has put a number there. */
export function costOf(result: unknown, which: 'requested' | 'actual' = 'requested'): number | undefined {
  const cost = (result as { extensions?: { cost?: Record<string, unknown> } } | null)?.extensions?.cost?.[which];
  return typeof cost === 'number' && Number.isFinite(cost) ? cost : undefined;
}

/**
 * The Envelop OpenTelemetry plugin, plus the gateway's attributes on its operation span (cost,
 * organization id, request id), or undefined when tracing is off. The Envelop plugin ends the
 * span when execution is done, before the rate limiter writes `extensions.cost` (in its
 * onExecutionResult): the end is held back until this plugin's onResultProcess, which runs after
 * every onExecutionResult (the recorded end time is kept), so that the cost can still be set.
 */
export function useTracing(tracing: Tracing | undefined): Plugin | undefined {
  if (!tracing) return undefined;
  const { useOpenTelemetry, getCurrentOtelContext } = tracing.envelop;
  /** The span that was current before the Envelop plugin's onExecute: its span differs from it. */
  const before = new WeakMap<object, Span | undefined>();
  const deferred = new WeakMap<Request, Deferred>();

  const captureSpan: Plugin = {
    onExecute({ args }) {
      const context = args.contextValue as {
        request?: Request;
        requestId?: string;
        viewer?: { organization?: { id?: number } };
      };
      const span = trace.getSpan(getCurrentOtelContext(context));
      if (!span || span === before.get(context) || !context.request) return;
      const organizationId = context.viewer?.organization?.id;
      if (organizationId !== undefined) span.setAttribute(ATTRIBUTES.organizationId, organizationId);
      if (context.requestId) span.setAttribute(ATTRIBUTES.requestId, context.requestId);
      deferred.set(context.request, holdEnd(span));
    },
  };

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        // The Envelop plugin's context type carries a private symbol; Yoga's context is a superset.
        useOpenTelemetry(
          // Neither resolvers (a span per field of a 200-row page) nor variables nor results: the
          // operation's document is kept unless it has inline arguments (the plugin's default).
          { resolvers: false, variables: false, result: false },
          tracing.provider,
          // Under the HTTP server span when there is one.
          SpanKind.INTERNAL,
          {},
          DEFAULT_SERVICE_NAME,
        ) as Plugin,
      );
      addPlugin(captureSpan);
    },
    onExecute({ args }) {
      // Runs before the Envelop plugin's onExecute (it was added after this plugin).
      before.set(args.contextValue, trace.getSpan(getCurrentOtelContext(args.contextValue)));
    },
    onResultProcess({ request, result }) {
      const held = deferred.get(request);
      if (!held) return;
      const requested = costOf(result, 'requested');
      if (requested !== undefined) held.span.setAttribute(ATTRIBUTES.cost, requested);
      const actual = costOf(result, 'actual');
      if (actual !== undefined) held.span.setAttribute(ATTRIBUTES.actualCost, actual);
      deferred.delete(request);
      held.release();
    },
    onResponse({ request }) {
      // A result that was never processed (an exception on the way): the span must end all the same.
      deferred.get(request)?.release();
      deferred.delete(request);
    },
  };
}

function holdEnd(span: Span): Deferred {
  const end = span.end.bind(span);
  let endTime: TimeInput | undefined;
  let ended = false;
  let released = false;
  span.end = (time?: TimeInput) => {
    if (ended) return;
    if (released) {
      ended = true;
      end(time);
      return;
    }
    endTime = time ?? performance.timeOrigin + performance.now();
  };
  return {
    span,
    release() {
      if (released) return;
      released = true;
      if (endTime !== undefined && !ended) {
        ended = true;
        end(endTime);
      }
    },
  };
}
