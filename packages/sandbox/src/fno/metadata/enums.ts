import type { EnumDef } from './types';

/**
 * Enum types of the served entities. Member names of NoYes, CustVendorBlocked, SalesStatus,
 * SalesOrderProcessingStatus, EcoResProductType, EcoResProductSubtype and Gender come from fno.md;
 * the members of every other enum are UNCONFIRMED (plausible AX symbols, first member = value 0 =
 * the empty value of a field).
 */
const DEFINITIONS: Record<string, readonly (string | readonly [string, number])[]> = {
  NoYes: ['No', 'Yes'],
  Abc: ['None', 'A', 'B', 'C'],
  BomWhsReleasePolicy: ['DoNotRelease', 'ReleaseWithoutReservation', 'ReleaseWithReservation'],
  BundleLineStatus: ['None', 'Open', 'Closed'],
  BundleLineType: ['None', 'Parent', 'Component'],
  CompanyTypeMx: ['LegalPerson', 'NaturalPerson'],
  CreditCardAddressVerification: ['None', 'AcceptAll', 'Verify'],
  CreditCardAddressVerificationLevel: ['None', 'PostalCode', 'Street', 'Full'],
  CreditCardCvc: ['None', 'Required', 'NotRequired'],
  CustAccountStatement: ['Always', 'Quarter', 'Biannual', 'Annual', 'Never', 'Monthly'],
  CustCollectionLetterCode: ['None', 'Letter1', 'Letter2', 'Letter3', 'Letter4', 'Letter5'],
  CustVendorBlocked: ['No', 'Invoice', 'All', 'Payment', 'Requisition', 'Never', 'PurchOrder'],
  CustWhtContributionTypeBr: ['None', 'INSS', 'FUNRURAL'],
  CustomerTypeIn: ['None', 'Customer', 'Others'],
  DirPersonMaritalStatus: ['None', 'Single', 'Married', 'Divorced', 'Widowed', 'Cohabiting'],
  DocumentTypeIt: ['None', 'Contract', 'Agreement'],
  EcoResProductServiceType: ['NotApplicable', 'Service', 'Subscription'],
  EcoResProductSubtype: ['Product', 'ProductMaster', 'ProductVariant'],
  EcoResProductType: [
    ['Item', 1],
    ['Service', 2],
  ],
  EfDocPresenceTypeBr: ['NotApplicable', 'Present', 'Internet', 'TeleService', 'Other'],
  FederalNonFederalIndicatorCode: ['None', 'Federal', 'NonFederal'],
  FiTaxationOriginBr: ['National', 'ForeignDirectImport', 'ForeignInternalMarket'],
  Gender: ['Unknown', 'Male', 'Female', 'NonSpecific'],
  InventBatchMergeDateCalculationMethod: ['Manual', 'Oldest', 'Newest'],
  InvoiceOrderAccount: ['OrderAccount', 'InvoiceAccount'],
  InvoiceTypeMy: ['None', 'SelfBilled', 'Consolidated'],
  ItemNumAlternative: ['Never', 'Always', 'OutOfStock'],
  ItemReservation: ['Manual', 'Automatic', 'Explosion'],
  LegalNatureIt: ['None', 'NaturalPerson', 'LegalPerson'],
  Listcode: ['IncludeNot', 'EUTrade', 'TriangularEUTrade'],
  McrGiftCardType: ['None', 'Physical', 'Virtual'],
  McrsoAllocPriority: ['None', 'Low', 'Medium', 'High'],
  MonthsOfYear: [
    'None',
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  MpsFullRunCtpStatus: ['None', 'Pending', 'Completed'],
  NatureOfAssesseeIn: ['None', 'Individual', 'Company', 'Firm'],
  PanStatusIn: ['NotAvailable', 'Available', 'Applied'],
  PaymentStub: ['None', 'Giro', 'Fik'],
  PdsPotencyAttribRecordingEnum: ['None', 'Receipt', 'Production'],
  PdsVendorCheckItem: ['NoCheck', 'WarningOnly', 'NotAllowed'],
  PmfProductType: ['None', 'BOM', 'Formula', 'CoProduct', 'ByProduct', 'PlanningItem'],
  ProdFlushingPrincipItem: ['Blank', 'Start', 'Finish', 'Manual', 'Available'],
  PurchMatchingPolicyWithNotSetOption: ['NotSet', 'NoMatch', 'TwoWayMatch', 'ThreeWayMatch'],
  ReqPoType: ['Purch', 'Production', 'Transfer', 'Kanban'],
  RetailFulfillmentLineStatus: ['Unknown', 'Pending', 'Accepted', 'Picked', 'Packed', 'Invoiced', 'Rejected'],
  RetailPriceKeyingRequirement: [
    'NotMandatory',
    'MustKeyInPrice',
    'MustKeyInHigherPrice',
    'MustKeyInLowerPrice',
    'MustNotKeyInPrice',
  ],
  RetailQtyKeyingRequirement: ['NotMandatory', 'MustKeyInQuantity', 'MustNotKeyInQuantity'],
  RetailReceiptOptionBase: ['PrintedReceipt', 'Email', 'Both'],
  RevRecRevenueType: ['None', 'Standard', 'PostContractSupport', 'Distinct'],
  SalesDeliveryDateControlType: ['None', 'SalesLeadTime', 'ATP', 'ATPPlusIssueMargin', 'CTP'],
  SalesInvoicePostingTypeRu: ['None', 'ProForma', 'Advance'],
  SalesOrderProcessingStatus: [
    'Active',
    'Confirmed',
    'Picked',
    'PartiallyDelivered',
    'Delivered',
    'Invoiced',
    'PartiallyInvoiced',
    'Canceled',
    'DeliveredPartiallyInvoiced',
  ],
  SalesPriceModel: ['None', 'Contribution', 'Charge'],
  SalesPriceModelBasic: ['None', 'PurchPrice', 'CostPrice'],
  SalesSalesOrderCreationMethod: ['None', 'Manual', 'Copy', 'Import'],
  SalesStatus: ['None', 'Backorder', 'Delivered', 'Invoiced', 'Canceled'],
  ScaleIndicatorBr: ['None', 'Relevant', 'NotRelevant'],
  SettlementType: ['None', 'SelectedTransact', 'OpenTransact'],
  SysLocalizationCountryRegionCode: ['None', 'US', 'DE', 'FR', 'GB'],
  Timezone: [
    'GMTMINUS1200INTERNATIONALDATELINEWEST',
    'GMTMINUS0800PACIFICTIME',
    'GMTMINUS0600CENTRALTIME',
    'GMTMINUS0500EASTERNTIME',
    'GMT_COORDINATEDUNIVERSALTIME',
    'GMTPLUS0100_AMSTERDAM_BERLIN_BERN_ROME',
  ],
  UnitOfMeasureClass: ['None', 'Quantity', 'Length', 'Area', 'Volume', 'Mass', 'Time'],
  UnitOfMeasureSystemOfUnits: ['None', 'Metric', 'UnitedStates'],
  UseCashDisc: ['Normal', 'Always', 'Never'],
  WarrantablePriceRangeBaseType: ['None', 'PurchasePrice', 'SalesPrice'],
  WarrantyDurationTimeUnit: ['Days', 'Months', 'Years'],
  WhsAllowMaterialOverPick: ['NotAllowed', 'Allowed'],
  WhsAllowMaterialOverPickNonLp: ['NotAllowed', 'Allowed'],
  WhsSalesUnitRestricted: ['No', 'Yes'],
};

function define(name: string, members: readonly (string | readonly [string, number])[]): EnumDef {
  return {
    name,
    members: members.map((member, index) =>
      typeof member === 'string' ? { name: member, value: index } : { name: member[0], value: member[1] },
    ),
  };
}

export const ENUMS: ReadonlyMap<string, EnumDef> = new Map(
  Object.entries(DEFINITIONS).map(([name, members]) => [name, define(name, members)]),
);

export function enumType(name: string): EnumDef | undefined {
  return ENUMS.get(name);
}

/** The member of `enumDef` whose name matches case-sensitively (OData enum members are). */
export function enumMember(enumDef: EnumDef, name: string): string | undefined {
  return enumDef.members.find((member) => member.name === name)?.name;
}
