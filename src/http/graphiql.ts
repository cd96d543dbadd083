// GraphiQL, served by the gateway itself (no CDN: it works offline and on private networks), as a
// small page plus assets at their own URLs. `@graphql-yoga/render-graphiql` inlines its scripts,
// styles, editor workers and icon into one page of about 9 MB, fetched again on every visit; here
// the page (a few KB, never cached: it holds the demo token) links to the same files under
// /graphiql/, each named after a hash of its content and cached by browsers for a year
// (`immutable`): a browser downloads them once per version of the package.
//
// The assets are compressed once per encoding (on first demand, on libuv's thread pool) and kept;
// the module (9 MB of strings) is loaded on the first visit, not by every process that makes an app.
import { createHash } from 'node:crypto';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import { chooseEncoding, compress, varyOnEncoding, type Encoding } from './compression.js';

type OnRequestPayload = Parameters<NonNullable<Plugin['onRequest']>>[0];

/** Where the assets are served; outside the GraphQL endpoint, so that no GraphQL handling touches them. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset {
  /** `graphiql-1a2b3c4d5e6f7a8b.js`: the URL's last segment. */
  file: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  encoded: Map<Encoding, Promise<Uint8Array<ArrayBuffer>>>;
}

interface Assets {
  byFile: Map<string, Asset>;
  /** Absolute URLs, by role. */
  urls: { js: string; css: string; favicon: string; editorWorkerService: string; json: string; graphql: string };
}

let loaded: Promise<Assets> | undefined;

function asset(name: string, ext: string, type: string, body: Uint8Array<ArrayBuffer>): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { file: `${name}-${hash}.${ext}`, type, body, etag: `"${hash}"`, encoded: new Map() };
}

function loadAssets(): Promise<Assets> {
  return (loaded ??= import('@graphql-yoga/render-graphiql/graphiql').then((m) => {
    const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
    const js = 'text/javascript; charset=utf-8';
    // The icon comes as a data: URL (base64 of an .ico).
    const icon = /^data:([^;,]+);base64,(.*)$/s.exec(m.favicon);
    const list = {
      js: asset('graphiql', 'js', js, text(m.js)),
      css: asset('graphiql', 'css', 'text/css; charset=utf-8', text(m.css)),
      favicon: icon ? asset('favicon', 'ico', icon[1]!, new Uint8Array(Buffer.from(icon[2]!, 'base64'))) : undefined,
      editorWorkerService: asset('editor.worker', 'js', js, text(m.editorWorkerService)),
      json: asset('json.worker', 'js', js, text(m.jsonWorker)),
      graphql: asset('graphql.worker', 'js', js, text(m.graphqlWorker)),
    };
    const url = (a: Asset | undefined) => (a ? GRAPHIQL_ASSETS_PATH + a.file : m.favicon);
    return {
      byFile: new Map(Object.values(list).flatMap((a) => (a ? [[a.file, a] as const] : []))),
      urls: {
        js: url(list.js),
        css: url(list.css),
        favicon: url(list.favicon),
        editorWorkerService: url(list.editorWorkerService),
        json: url(list.json),
        graphql: url(list.graphql),
      },
    };
  }));
}

function encoded(a: Asset, encoding: Encoding): Promise<Uint8Array<ArrayBuffer>> {
  let body = a.encoded.get(encoding);
  if (!body) {
    body = compress(a.body, encoding, 'static').then((b) => new Uint8Array(b));
    // A failure is not kept: the next request tries again.
    body.catch(() => a.encoded.delete(encoding));
    a.encoded.set(encoding, body);
  }
  return body;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script>: no `</script>` or `<!--` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The page, as Yoga's `renderGraphiQL` option: Yoga passes the `graphiql` options (with the endpoint).
 * The same markup as @graphql-yoga/render-graphiql's, with URLs for what it inlines.
 */
export async function renderGraphiQLPage(opts: GraphiQLOptions & { favicon?: string }): Promise<string> {
  const { urls } = await loadAssets();
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(opts.title || 'Yoga GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(opts.favicon || urls.favicon)}" />
    <link rel="stylesheet" href="${urls.css}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson({ editorWorkerService: urls.editorWorkerService, json: urls.json, graphql: urls.graphql })};
      self['MonacoEnvironment'] = { globalAPI: false, getWorkerUrl: (moduleId, label) => workers[label] };
    </script>
    <script src="${urls.js}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(opts)});
    </script>
  </body>
</html>
`;
}

/**
 * Serves the assets (GET and HEAD; 304 for a matching If-None-Match) and keeps GraphiQL's page itself
 * out of every cache (it carries the demo token, which changes on each start).
 */
export function useGraphiQLAssets(graphqlEndpoint: string): Plugin {
  return {
    // Synchronous on every other path: a hook that returns a promise makes Yoga run the rest of every
    // request's hooks asynchronously (bench/results/2026-12-07-floor.md).
    onRequest: (payload) => (payload.url.pathname.startsWith(GRAPHIQL_ASSETS_PATH) ? serveAsset(payload) : undefined),
    onResponse({ request, response }) {
      if (
        request.method === 'GET' &&
        response.headers.get('content-type')?.startsWith('text/html') &&
        new URL(request.url).pathname === graphqlEndpoint
      ) {
        response.headers.set('cache-control', 'no-store');
        // The browser asks for the assets next: compress them now, in the background.
        const encoding = chooseEncoding(request.headers.get('accept-encoding'));
        if (encoding) void loadAssets().then((assets) => assets.byFile.forEach((a) => encoded(a, encoding).catch(() => undefined)));
      }
    },
  };
}

/** GET /graphiql/<file>: one of GraphiQL's assets, compressed as the browser accepts. */
async function serveAsset({ url, request, fetchAPI, endResponse }: OnRequestPayload): Promise<void> {
  const answer = (status: number, message: string, headers: Record<string, string> = {}) =>
    endResponse(new fetchAPI.Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } }));
  if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'GraphiQL assets are read with GET.\n', { allow: 'GET, HEAD' });
  const a = (await loadAssets()).byFile.get(url.pathname.slice(GRAPHIQL_ASSETS_PATH.length));
  // An old hash (the package was upgraded since the page was loaded) is not found: reload the page.
  if (!a) return answer(404, 'No such GraphiQL asset: reload the page at /graphql.\n', { 'cache-control': 'no-store' });
  const headers = new fetchAPI.Headers({ 'content-type': a.type, 'cache-control': IMMUTABLE, etag: a.etag });
  varyOnEncoding(headers);
  if (request.headers.get('if-none-match')?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === a.etag)) {
    return endResponse(new fetchAPI.Response(null, { status: 304, headers }));
  }
  const encoding = chooseEncoding(request.headers.get('accept-encoding'));
  const body = encoding ? await encoded(a, encoding) : a.body;
  if (encoding) headers.set('content-encoding', encoding);
  headers.set('content-length', String(body.byteLength));
  endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers }));
}
