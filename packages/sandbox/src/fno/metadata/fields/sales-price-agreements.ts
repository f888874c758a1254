// Property list of `SalesPriceAgreements` (name:type, `!` = non-nullable), copied from the reference extract of a
// live tenant's `$metadata` (fno-entity-fields.txt). Do not edit by hand: every name and type is real.
export const SALES_PRICE_AGREEMENTS_PROPERTIES = `
AttributeBasedPricingId:String
CustomerAccountNumber:String
FixedPriceCharges:Decimal!
FromQuantity:Decimal!
IsGenericCurrencySearchEnabled:NoYes
ItemNumber:String
Price:Decimal!
PriceApplicableFromDate:DateTimeOffset!
PriceApplicableToDate:DateTimeOffset!
PriceCurrencyCode:String
PriceCustomerGroupCode:String
PriceSiteId:String
PriceWarehouseId:String
ProductColorId:String
ProductNumber:String
ProductSizeId:String
ProductStyleId:String
ProductVersionId:String
ProductconfigurationId:String
QuantityUnitySymbol:String
RecordId:Int64!
SalesLeadTimeDays:Int32!
SalesPriceQuantity:Decimal!
ToQuantity:Decimal!
WillDeliveryDateControlDisregardLeadTime:NoYes
WillSearchContinue:NoYes
dataAreaId:String!
`;
