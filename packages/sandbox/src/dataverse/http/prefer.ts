import type { IncomingHttpHeaders } from 'node:http';
import { AnnotationFilter } from '../serialize/annotations';

/** The Prefer header values Dataverse honours, and what `Preference-Applied` echoes. */
export interface Preferences {
  returnRepresentation: boolean;
  annotations: AnnotationFilter;
  /** The raw `odata.include-annotations` value, echoed verbatim. */
  annotationsRaw: string | undefined;
  maxPageSize: number | undefined;
  trackChanges: boolean;
  continueOnError: boolean;
}

/**
 * Parses one or more Prefer headers, each a comma list whose values may be quoted lists
 * themselves (`odata.include-annotations="a,b",return=representation`).
 */
export function parsePrefer(headers: IncomingHttpHeaders): Preferences {
  const raw = headers['prefer'];
  const values = (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap(splitPreferences);
  const preferences: Preferences = {
    returnRepresentation: false,
    annotations: AnnotationFilter.none,
    annotationsRaw: undefined,
    maxPageSize: undefined,
    trackChanges: false,
    continueOnError: false,
  };
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = (eq < 0 ? value : value.slice(0, eq)).trim().toLowerCase();
    const argument = eq < 0 ? '' : value.slice(eq + 1).trim();
    switch (name) {
      case 'return':
        preferences.returnRepresentation = argument === 'representation';
        break;
      case 'odata.include-annotations':
        preferences.annotationsRaw = argument;
        preferences.annotations = AnnotationFilter.parse(argument);
        break;
      case 'odata.maxpagesize': {
        const size = Number(argument);
        if (Number.isInteger(size) && size > 0) preferences.maxPageSize = size;
        break;
      }
      case 'odata.track-changes':
        preferences.trackChanges = true;
        break;
      case 'odata.continue-on-error':
        preferences.continueOnError = true;
        break;
    }
  }
  return preferences;
}

function splitPreferences(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      if (current.trim()) parts.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}
