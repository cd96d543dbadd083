// The load generator of `npm run bench`, in a worker thread of its own: the clients' fetch, JSON
// parsing and bookkeeping used to run on the server's event loop, so every request paid for its
// client's work too, and a faster server could go no faster than its own load generator let it.
// A thread (not a process) keeps one command and one data set; it is plain JavaScript so that no
// TypeScript loader has to reach the worker.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', async ({ endpoint, headers, template, deals, keyPrefix, concurrency, seconds }) => {
  const latencies = [];
  let failures = 0;
  let n = 0;
  // `template` is the request body; a write's per-request values are placeholders: its own
  // idempotency key and the next deal of `deals` in turn.
  const body = () => {
    if (!keyPrefix) return template;
    n += 1;
    return template.replace('"$KEY$"', JSON.stringify(`${keyPrefix}-${n}`)).replace('"$DEAL$"', JSON.stringify(deals[n % deals.length]));
  };
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const response = await fetch(endpoint, { method: 'POST', headers, body: body() });
        const text = await response.text();
        latencies.push(performance.now() - started);
        // A user error counts as a failure too: a write that was refused measured nothing.
        if (!response.ok || 'errors' in JSON.parse(text) || text.includes('"userErrors":[{')) failures += 1;
      }
    }),
  );
  parentPort.postMessage({ latencies, failures });
});
