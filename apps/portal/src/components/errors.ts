import { errorCode, isTRPCError } from '../lib/trpc';

export interface DescribedError {
  /** What happened, in a sentence. */
  title: string;
  /** The server's own words, when they help. */
  detail?: string;
  /** What to do next. */
  action: string;
}

/** Any failed call in words an admin can act on: what happened, then what to do. */
export function describeError(error: unknown, subject = 'this'): DescribedError {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!isTRPCError(error) && (error instanceof TypeError || /fetch|network/i.test(message)))
    return {
      title: 'The portal did not answer.',
      detail: message,
      action: 'Check your network connection, then try again.',
    };
  switch (code) {
    case 'UNAUTHORIZED':
      return { title: 'Your session has ended.', action: 'Sign in again to continue.' };
    case 'NOT_FOUND':
      return {
        title: `We could not find ${subject}.`,
        detail: message,
        action: 'It may have been removed, or it belongs to another workspace. Go back to the list.',
      };
    case 'FORBIDDEN':
      return {
        title: 'Your role does not allow this.',
        detail: message,
        action: 'Ask an owner of the workspace.',
      };
    case 'BAD_REQUEST':
      return {
        title: 'Some values were not accepted.',
        detail: message,
        action: 'Correct the highlighted fields and try again.',
      };
    case 'CONFLICT':
      return {
        title: 'That conflicts with something that already exists.',
        detail: message,
        action: 'Change the value and try again.',
      };
    case 'PRECONDITION_FAILED':
      return {
        title: 'This cannot be done yet.',
        detail: message,
        action: 'Complete the step it depends on, then try again.',
      };
    case 'TOO_MANY_REQUESTS':
      return {
        title: 'Too many requests in a short time.',
        detail: message,
        action: 'Wait a minute, then try again.',
      };
    case 'TIMEOUT':
      return {
        title: 'The request took too long.',
        detail: message,
        action: 'Try again; if it keeps happening, check /api/health.',
      };
    default:
      return {
        title: 'The portal hit an error on its side.',
        detail: message,
        action: 'Try again in a moment. If it keeps happening, check /api/health and the portal logs.',
      };
  }
}
