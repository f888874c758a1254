/** The syntax tree of a `$filter` expression (before it is checked against a table). */

export type LiteralType =
  | 'Edm.String'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Decimal'
  | 'Edm.Double'
  | 'Edm.Boolean'
  | 'Edm.Guid'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Null';

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type LogicalOperator = 'and' | 'or';

export type FilterExpr =
  | { kind: 'literal'; type: LiteralType; value: string | number | boolean | null; position: number }
  | { kind: 'property'; path: string[]; position: number }
  | { kind: 'compare'; operator: ComparisonOperator; left: FilterExpr; right: FilterExpr; position: number }
  | { kind: 'logical'; operator: LogicalOperator; left: FilterExpr; right: FilterExpr; position: number }
  | { kind: 'not'; operand: FilterExpr; position: number }
  | {
      kind: 'call';
      name: string;
      args: FilterExpr[];
      named: Map<string, FilterExpr>;
      position: number;
    }
  | { kind: 'array'; items: FilterExpr[]; position: number };
