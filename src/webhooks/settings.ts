// The webhook settings of a process (WEBHOOK_* in src/config.ts, documented in docs/events.md).
import type { Config } from '../config.js';
import type { DeliveryOptions } from './deliver.js';
import { AddressPolicy } from './url-guard.js';

export interface WebhookSettings extends Omit<DeliveryOptions, 'onAttempt' | 'resolve'> {
  /** `inline`: this process delivers; `off`: another one does (`npm run worker`). */
  delivery: 'inline' | 'off';
  concurrency: number;
  sweepIntervalMs: number;
}

export function webhookSettings(config: Config): WebhookSettings {
  return {
    delivery: config.WEBHOOK_DELIVERY,
    policy: new AddressPolicy(config.WEBHOOK_ALLOW_PRIVATE_ADDRESSES),
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
    concurrency: config.WEBHOOK_CONCURRENCY,
    organizationConcurrency: config.WEBHOOK_ORGANIZATION_CONCURRENCY,
    slowMs: config.WEBHOOK_SLOW_MS,
    sweepIntervalMs: config.WEBHOOK_SWEEP_INTERVAL_MS,
  };
}

// The policy that saving a webhook checks URLs against. Process-wide, like the setting it comes
// from: createApp sets it (AppOptions.webhooks), resolvers read it. Nothing private is allowed
// until it is set.
let urlPolicy = new AddressPolicy();

export const setUrlPolicy = (policy: AddressPolicy): void => {
  urlPolicy = policy;
};

export const currentUrlPolicy = (): AddressPolicy => urlPolicy;
