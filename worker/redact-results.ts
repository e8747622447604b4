import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { redactDeep, redactError } from '../activities/redact';

/**
 * The last line of defence for the API key: every activity's result and error message is redacted (see
 * activities/redact.ts) before Temporal records it in the workflow's history.
 */
export const redactResults: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return redactDeep(await next(input));
      } catch (err) {
        throw redactError(err);
      }
    },
  },
});
