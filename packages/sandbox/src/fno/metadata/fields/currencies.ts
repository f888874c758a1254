// Property list of `Currencies` (name:type, `!` = non-nullable). Not in the reference extract:
// UNCONFIRMED (names follow the standard CurrencyEntity as remembered, key `CurrencyCode`).
export const CURRENCIES_PROPERTIES = `
CurrencyCode:String!
Name:String
Symbol:String
GeneralRoundingRule:Decimal!
PriceRoundingRule:Decimal!
ReferenceCurrencyForTriangulation:String
`;
