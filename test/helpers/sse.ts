// A GraphQL-over-SSE client for tests: subscribe through `app.fetch` (no port) or real HTTP, then
// take the events one by one, with a deadline, as a client would read them.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { App } from '../../src/http/app.js';
import type { Caller } from './app.js';

export type SseResult<T> = ExecutionResult<T> & {
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
};

export interface Subscription<T> {
  status: number;
  headers: Headers;
  /** The next `next` event's result; `done` when the server completed the stream. Rejects after `ms`. */
  next(ms?: number): Promise<SseResult<T> | 'done'>;
  /** Nothing arrives within `ms` (the stream may complete meanwhile). */
  quiet(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Reads a `text/event-stream` response: `event: next` / `event: complete` frames, comments ignored. */
export function readSse<T>(response: Response, abort: AbortController): Subscription<T> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Array<SseResult<T> | 'done'> = [];
  let buffer = '';
  let ended = false;
  let pending: Promise<void> | undefined;

  const pump = (): Promise<void> =>
    (pending ??= reader.read().then(
      ({ value, done }) => {
        pending = undefined;
        if (done) {
          ended = true;
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split('\n').filter((line) => !line.startsWith(':'));
          const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') frames.push('done');
          else if (event === 'next' || (event === undefined && data)) frames.push(JSON.parse(data) as SseResult<T>);
        }
      },
      () => {
        pending = undefined;
        ended = true;
      },
    ));

  async function next(ms = 5_000): Promise<SseResult<T> | 'done'> {
    const deadline = Date.now() + ms;
    while (frames.length === 0) {
      if (ended) return 'done';
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${ms} ms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pump(), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return frames.shift()!;
  }

  return {
    status: response.status,
    headers: response.headers,
    next,
    async quiet(ms: number) {
      const frame = await next(ms).catch(() => undefined);
      if (frame !== undefined && frame !== 'done') throw new Error(`expected nothing, got ${JSON.stringify(frame)}`);
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** Starts a subscription through `app.fetch` (POST, `Accept: text/event-stream`). */
export async function subscribe<T, V>(
  app: App,
  document: TypedDocumentNode<T, V>,
  variables: V,
  caller: Caller = {},
): Promise<Subscription<T>> {
  const abort = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...caller.headers };
  if (caller.token) headers.authorization = `Bearer ${caller.token}`;
  if (caller.tenant !== undefined) headers['x-tenant'] = String(caller.tenant);
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: print(document), variables }),
    signal: abort.signal,
  });
  return readSse<T>(response, abort);
}
