/**
 * `Prefer: odata.include-annotations="…"`: which instance annotations a response carries.
 * Accepts `*`, comma lists, trailing wildcards (`Microsoft.Dynamics.CRM.*`) and exclusions
 * (`-OData.Community.Display.V1.FormattedValue`); an exclusion wins over an inclusion.
 */
export class AnnotationFilter {
  static readonly none = new AnnotationFilter([]);

  private readonly include: string[];
  private readonly exclude: string[];

  constructor(patterns: readonly string[]) {
    this.include = patterns.filter((p) => !p.startsWith('-'));
    this.exclude = patterns.filter((p) => p.startsWith('-')).map((p) => p.slice(1));
  }

  static parse(value: string): AnnotationFilter {
    const patterns = value
      .replace(/^"|"$/g, '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    return new AnnotationFilter(patterns);
  }

  get isEmpty(): boolean {
    return this.include.length === 0;
  }

  includes(annotation: string): boolean {
    if (this.exclude.some((p) => matches(p, annotation))) return false;
    return this.include.some((p) => matches(p, annotation));
  }
}

function matches(pattern: string, annotation: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return annotation.startsWith(pattern.slice(0, -1));
  return pattern === annotation;
}

export const Annotation = {
  formattedValue: 'OData.Community.Display.V1.FormattedValue',
  lookupLogicalName: 'Microsoft.Dynamics.CRM.lookuplogicalname',
  associatedNavigationProperty: 'Microsoft.Dynamics.CRM.associatednavigationproperty',
  totalRecordCount: 'Microsoft.Dynamics.CRM.totalrecordcount',
  totalRecordCountLimitExceeded: 'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded',
} as const;
