// Property list of `ProductsV2` (name:type, `!` = non-nullable). Not in the reference extract:
// UNCONFIRMED beyond ProductNumber (key), ProductName, ProductDescription and ProductSearchName,
// which fno.md names; the rest mirror the shared product fields of ReleasedProductsV2.
export const PRODUCTS_V2_PROPERTIES = `
ProductNumber:String!
ProductName:String
ProductSearchName:String
ProductDescription:String
ProductType:EcoResProductType
ProductSubType:EcoResProductSubtype
ProductDimensionGroupName:String
StorageDimensionGroupName:String
TrackingDimensionGroupName:String
IsCatchWeightProduct:NoYes
ServiceType:EcoResProductServiceType
RetailProductCategoryName:String
`;
