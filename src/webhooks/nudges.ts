// "Look at these endpoints now", from code that is not an event: enabling an endpoint again (its
// pending deliveries should go out without waiting for the sweep). The delivery service of this
// process listens; with delivery in another process, its sweep finds them instead.
type Listener = (webhookIds: number[]) => void;

const listeners = new Set<Listener>();

export function onWebhookNudge(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function nudgeWebhooks(webhookIds: number[]): void {
  for (const listener of listeners) listener(webhookIds);
}
