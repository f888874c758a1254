/**
 * PostgreSQL cannot store U+0000 in `text` or `jsonb`: a value carrying it fails deep in a query
 * (a 500) unless it is refused up front. This finds one in any JSON-like input and names where.
 */
export function findNul(value: unknown, path = 'input', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (!value || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = findNul(item, at, depth + 1);
    if (found) return found;
  }
  return null;
}

export const nulMessage = (where: string) =>
  `${where} contains a NUL character (U+0000), which cannot be stored; remove it and try again.`;
