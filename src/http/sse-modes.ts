// graphql-sse has two modes. The distinct-connections mode (its client's default, and Yoga's SSE) is
// served: each subscription is its own POST or GET with `Accept: text/event-stream`, authenticated,
// charged and re-checked like any request. The single-connection mode is not: it reserves a stream
// with `PUT`, then multiplexes operations POSTed apart from it, so authentication, tenant, cost,
// slots and revocation (all per request here) would have to be carried over to the reservation.
// Its `PUT` got Yoga's generic "GraphQL only supports GET and POST requests."; this says what to use.
import type { Plugin } from 'graphql-yoga';

export const SINGLE_CONNECTION_MESSAGE =
  "graphql-sse's single-connection mode (PUT for a reservation token) is not served: use the distinct-connections mode " +
  '(its client\'s default, `singleConnection: false`): one POST or GET with `Accept: text/event-stream` per subscription; ' +
  'for many subscriptions on one connection, a WebSocket on the same URL (graphql-ws).';

export function useDistinctConnectionsOnly(graphqlEndpoint: string): Plugin {
  return {
    onRequest({ url, request, fetchAPI, endResponse }) {
      if (request.method !== 'PUT' || url.pathname !== graphqlEndpoint) return;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: SINGLE_CONNECTION_MESSAGE, extensions: { code: 'SINGLE_CONNECTION_MODE_UNSUPPORTED' } }] }), {
          status: 405,
          headers: { 'content-type': 'application/json; charset=utf-8', allow: 'GET, POST' },
        }),
      );
    },
  };
}
