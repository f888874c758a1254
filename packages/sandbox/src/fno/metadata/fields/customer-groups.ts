// Property list of `CustomerGroups` (name:type, `!` = non-nullable), copied from the reference extract of a
// live tenant's `$metadata` (fno-entity-fields.txt). Do not edit by hand: every name and type is real.
export const CUSTOMER_GROUPS_PROPERTIES = `
AccountingCurrencyExchangeRateType:String
ClearingPeriodPaymentTermName:String
CustomerAccountNumberSequence:String
CustomerGroupId:String!
DefaultDimensionDisplayValue:String
Description:String
IsPublicSector_IT:NoYes
IsSalesTaxIncludedInPrice:NoYes
PaymentTermId:String
ReportingCurrencyExchangeRateType:String
TaxGroupId:String
WriteOffReason:String
dataAreaId:String!
`;
