import { errors } from '../errors';
import { isJsonRecord, type JsonRecord, type JsonValue } from '../write/payload';

/** Parses a JSON request body (an object), with the platform's error for anything else. */
export function readJsonObject(body: Buffer): JsonRecord {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw errors.badRequest('The request body is empty. A JSON object was expected.');
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    throw errors.badRequest('Invalid JSON. A token was not recognized in the JSON content.');
  }
  if (!isJsonRecord(parsed)) {
    throw errors.badRequest(
      "An unexpected 'StartArray' or primitive node was found when reading from the JSON reader. A 'StartObject' node was expected.",
    );
  }
  return parsed;
}
