// Property list of `UnitsOfMeasure` (name:type, `!` = non-nullable). Not in the reference extract:
// UNCONFIRMED (names follow the standard UnitOfMeasureEntity as remembered, key `UnitSymbol`).
export const UNITS_OF_MEASURE_PROPERTIES = `
UnitSymbol:String!
UnitDescription:String
UnitClass:UnitOfMeasureClass
DecimalPrecision:Int32!
SystemOfUnits:UnitOfMeasureSystemOfUnits
IsBaseUnit:NoYes
IsSystemUnit:NoYes
`;
