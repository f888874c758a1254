/**
 * What an acceptable answer to bad input is: never a 5xx, and a refusal (4xx) is JSON carrying a
 * message that says what is wrong, in words, without internals (no stack, no `[object Object]`).
 */

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export async function answerOf(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

const GENERIC = [
  /^bad request\.?$/i,
  /^internal server error\.?$/i,
  /^error\.?$/i,
  /^unknown error\.?$/i,
  /^invalid input\.?$/i,
  /^something went wrong/i,
  /^not found\.?$/i,
  /^unauthorized\.?$/i,
];
const INTERNALS = [/\[object Object\]/, /\bat .+ \(.+:\d+:\d+\)/, /node_modules/];

/** The refusal message the body carries: `{ error: string }`, `{ error: { message } }`, `{ message }` or a tRPC batch. */
export function messageOf(json: unknown): string | undefined {
  if (Array.isArray(json)) {
    const messages = json.map(messageOf);
    return messages.every((m) => typeof m === 'string') ? messages.join(' | ') : undefined;
  }
  if (!json || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  if (typeof body['error'] === 'string') return body['error'];
  const error = body['error'];
  if (error && typeof error === 'object') {
    const inner = (error as Record<string, unknown>)['json'] ?? error;
    const message = (inner as Record<string, unknown>)['message'];
    if (typeof message === 'string') return message;
  }
  if (typeof body['message'] === 'string') return body['message'];
  return undefined;
}

/** Why the answer is not acceptable, or `null` when it is. */
export function problemWith(answer: Answer, expected?: readonly number[]): string | null {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (expected && !expected.includes(answer.status))
    return `answered ${answer.status}, expected ${expected.join(' or ')}: ${answer.text.slice(0, 300)}`;
  if (answer.status < 400) return null;
  if (!/json/i.test(answer.contentType))
    return `a ${answer.status} refusal that is not JSON (${answer.contentType || 'no content type'}): ${answer.text.slice(0, 200)}`;
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return `a ${answer.status} refusal whose body does not parse: ${answer.text.slice(0, 200)}`;
  }
  const message = messageOf(json);
  if (!message) return `a ${answer.status} refusal without a message: ${answer.text.slice(0, 200)}`;
  const parts = message.split(' | ');
  for (const part of parts) {
    const trimmed = part.trim();
    if (trimmed.length < 8 || GENERIC.some((re) => re.test(trimmed)))
      return `a ${answer.status} refusal with a vague message: "${trimmed}"`;
    const leak = INTERNALS.find((re) => re.test(trimmed));
    if (leak) return `a ${answer.status} refusal that shows internals (${leak}): "${trimmed.slice(0, 200)}"`;
  }
  return null;
}
