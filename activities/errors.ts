import { ApplicationFailure } from '@temporalio/common';

/** Error types the workflows treat as final (no retry). */
export const NON_RETRYABLE = ['RepoError', 'AgentConfigError', 'TaskInputError'] as const;

/** A problem with the user's repository that retrying cannot fix; the message says what to do. */
export function repoError(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'RepoError');
}
