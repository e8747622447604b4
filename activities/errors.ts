import { ApplicationFailure } from '@temporalio/common';

/** A problem with the user's repository that retrying cannot fix; the message says what to do. */
export function repoError(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'RepoError');
}
