/**
 * Looks for secrets where they must never be: log lines, API responses, pages. Finds the given
 * values (client secrets, intake secrets) verbatim or URL-encoded, and anything shaped like a JWT
 * (what Entra ID issues as access tokens), reporting where without repeating the secret.
 */
export interface SecretFinding {
  /** Which haystack (e.g. `portal log`, `connections.get response`). */
  where: string;
  /** `secret #2` or `JWT`: never the value itself. */
  what: string;
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export function scanForSecrets(
  haystacks: Iterable<{ where: string; text: string }>,
  secrets: readonly string[],
): SecretFinding[] {
  const needles = secrets
    .filter((secret) => secret.length >= 8)
    .map((secret, index) => ({ index, forms: [...new Set([secret, encodeURIComponent(secret)])] }));
  const findings: SecretFinding[] = [];
  for (const { where, text } of haystacks) {
    for (const needle of needles)
      if (needle.forms.some((form) => text.includes(form)))
        findings.push({ where, what: `secret #${needle.index + 1}` });
    if (JWT.test(text)) findings.push({ where, what: 'JWT' });
  }
  return findings;
}
