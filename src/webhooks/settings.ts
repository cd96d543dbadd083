// The webhook settings of a process (read from WEBHOOK_* by src/config.ts `webhookSettings`,
// documented in docs/events.md).
import type { DeliveryOptions } from './deliver.js';

export interface WebhookSettings extends Omit<DeliveryOptions, 'onAttempt' | 'resolve'> {
  /** `inline`: this process delivers; `off`: another one does (`npm run worker`). */
  delivery: 'inline' | 'off';
  concurrency: number;
  sweepIntervalMs: number;
}
