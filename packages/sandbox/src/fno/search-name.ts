/** F&O's search name (NameAlias, SearchName): the name in upper case, at most 20 characters. */
export function searchName(name: string): string {
  return name.toUpperCase().slice(0, 20).trim();
}
