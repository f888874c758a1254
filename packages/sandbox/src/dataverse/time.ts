/** Dataverse writes DateTime values with second precision and a `Z`: `2025-01-31T10:00:00Z`. */
export function toDataverseDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** A DateOnly value: `2025-01-31`. */
export function toDataverseDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
