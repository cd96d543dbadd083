// A node's global id, as the API issues it: base64 of `Type:id` (Relay). The schema's builder uses
// this function for every `id` it answers, and events name their subjects and related nodes with
// it, so the two spellings cannot differ. It lives here so that the domain and the events can
// name nodes without importing the schema.

/** The global id of the node of GraphQL type `typename` with database id `id`. */
export const globalId = (typename: string, id: number | bigint | string): string =>
  Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
