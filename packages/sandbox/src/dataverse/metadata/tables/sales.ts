import {
  boolean,
  customer,
  dateOnly,
  decimal,
  integer,
  lookup,
  memo,
  money,
  picklist,
  state,
  status,
  text,
} from '../columns';
import { defineTable } from '../define';
import type { AttributeDef } from '../types';
import { paymentTerms } from './common';

const currency = (relationship: string): AttributeDef[] => [
  lookup(
    'transactioncurrencyid',
    { entity: 'transactioncurrency', relationship, cascade: 'Restrict' },
    { display: 'Currency' },
  ),
  decimal('exchangerate', { precision: 10, min: 0, readOnly: true, display: 'Exchange Rate' }),
];

/** Header totals the platform computes from the lines (read-only here). */
const headerTotals = (): AttributeDef[] => [
  money('totallineitemamount', { readOnly: true, display: 'Total Detail Amount' }),
  money('discountamount', { display: 'Order Discount Amount' }),
  decimal('discountpercentage', { precision: 2, min: 0, max: 100, display: 'Order Discount (%)' }),
  money('freightamount', { display: 'Freight Amount' }),
  money('totaltax', { readOnly: true, display: 'Total Tax' }),
  money('totalamountlessfreight', { readOnly: true, display: 'Total Pre-Freight Amount' }),
  money('totalamount', { readOnly: true, display: 'Total Amount' }),
];

interface LineRelationships {
  product: string;
  uom: string;
  currency: string;
}

/** The columns every product line (opportunity, quote, order) has. */
const lineColumns = (relationships: LineRelationships): AttributeDef[] => [
  lookup(
    'productid',
    { entity: 'product', relationship: relationships.product, cascade: 'Restrict' },
    { display: 'Existing Product' },
  ),
  lookup(
    'uomid',
    { entity: 'uom', relationship: relationships.uom, cascade: 'Restrict' },
    { display: 'Unit' },
  ),
  decimal('quantity', {
    precision: 5,
    min: 0,
    max: 1_000_000_000,
    required: 'ApplicationRequired',
    display: 'Quantity',
  }),
  money('priceperunit', { display: 'Price Per Unit' }),
  money('baseamount', { readOnly: true, display: 'Amount' }),
  money('manualdiscountamount', { display: 'Manual Discount' }),
  money('tax', { display: 'Tax' }),
  money('extendedamount', { readOnly: true, display: 'Extended Amount' }),
  boolean('ispriceoverridden', ['Override Price', 'Use Default'], { display: 'Pricing' }),
  boolean('isproductoverridden', ['Write-In', 'Existing'], { display: 'Select Product' }),
  text('productdescription', 500, { display: 'Write-In Product' }),
  integer('lineitemnumber', { min: 0, display: 'Line Item Number' }),
  memo('description', 2000, { display: 'Description' }),
  ...currency(relationships.currency),
];

export const opportunity = defineTable({
  logicalName: 'opportunity',
  schemaName: 'Opportunity',
  entitySetName: 'opportunities',
  displayName: 'Opportunity',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  objectTypeCode: 3,
  changeTrackingEnabled: true,
  columns: [
    text('name', 300, { required: 'ApplicationRequired', display: 'Topic' }),
    customer(
      'customerid',
      { account: 'opportunity_customer_accounts', contact: 'opportunity_customer_contacts' },
      { display: 'Potential Customer' },
    ),
    lookup(
      'parentaccountid',
      { entity: 'account', relationship: 'opportunity_parent_account' },
      { display: 'Account' },
    ),
    lookup(
      'parentcontactid',
      { entity: 'contact', relationship: 'opportunity_parent_contact' },
      { display: 'Contact' },
    ),
    lookup(
      'pricelevelid',
      { entity: 'pricelevel', relationship: 'price_level_opportunities' },
      { display: 'Price List' },
    ),
    money('estimatedvalue', { display: 'Est. Revenue' }),
    money('actualvalue', { display: 'Actual Revenue' }),
    dateOnly('estimatedclosedate', { display: 'Est. Close Date' }),
    dateOnly('actualclosedate', { display: 'Actual Close Date' }),
    integer('closeprobability', { min: 0, max: 100, display: 'Probability' }),
    boolean('isrevenuesystemcalculated', ['System Calculated', 'User Provided'], { display: 'Revenue' }),
    picklist(
      'salesstagecode',
      [
        [0, 'Qualify'],
        [1, 'Develop'],
        [2, 'Propose'],
        [3, 'Close'],
      ],
      { display: 'Process Code' },
    ),
    picklist(
      'opportunityratingcode',
      [
        [1, 'Hot'],
        [2, 'Warm'],
        [3, 'Cold'],
      ],
      { display: 'Rating' },
    ),
    text('stepname', 200, { display: 'Pipeline Phase' }),
    memo('description', 2000, { display: 'Description' }),
    money('totallineitemamount', { readOnly: true, display: 'Total Detail Amount' }),
    money('totalamount', { readOnly: true, display: 'Total Amount' }),
    ...currency('transactioncurrency_opportunity'),
    state([
      [0, 'Open', 1],
      [1, 'Won', 3],
      [2, 'Lost', 4],
    ]),
    status([
      [1, 'In Progress', 0],
      [2, 'On Hold', 0],
      [3, 'Won', 1],
      [4, 'Canceled', 2],
      [5, 'Out-Sold', 2],
    ]),
  ],
});

export const opportunityproduct = defineTable({
  logicalName: 'opportunityproduct',
  schemaName: 'OpportunityProduct',
  entitySetName: 'opportunityproducts',
  displayName: 'Opportunity Product',
  primaryNameAttribute: 'opportunityproductname',
  ownership: 'UserOwned',
  objectTypeCode: 1083,
  changeTrackingEnabled: true,
  columns: [
    text('opportunityproductname', 500, { display: 'Name' }),
    lookup(
      'opportunityid',
      { entity: 'opportunity', relationship: 'product_opportunities', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Opportunity' },
    ),
    ...lineColumns({
      product: 'opportunity_products',
      uom: 'unit_of_measurement_opportunity_product',
      currency: 'transactioncurrency_opportunityproduct',
    }),
  ],
});

export const quote = defineTable({
  logicalName: 'quote',
  schemaName: 'Quote',
  entitySetName: 'quotes',
  displayName: 'Quote',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  objectTypeCode: 1084,
  changeTrackingEnabled: true,
  autoNumber: { attribute: 'quotenumber', prefix: 'QUO' },
  columns: [
    text('name', 300, { required: 'ApplicationRequired', display: 'Name' }),
    text('quotenumber', 100, { required: 'SystemRequired', notModifiable: true, display: 'Quote ID' }),
    integer('revisionnumber', { min: 0, readOnly: true, display: 'Revision ID' }),
    customer(
      'customerid',
      { account: 'quote_customer_accounts', contact: 'quote_customer_contacts' },
      { required: 'ApplicationRequired', display: 'Potential Customer' },
    ),
    lookup(
      'opportunityid',
      { entity: 'opportunity', relationship: 'opportunity_quotes' },
      { display: 'Opportunity' },
    ),
    lookup(
      'pricelevelid',
      { entity: 'pricelevel', relationship: 'price_level_quotes' },
      { required: 'ApplicationRequired', display: 'Price List' },
    ),
    dateOnly('effectivefrom', { display: 'Effective From' }),
    dateOnly('effectiveto', { display: 'Effective To' }),
    memo('description', 2000, { display: 'Description' }),
    paymentTerms(),
    ...headerTotals(),
    ...currency('transactioncurrency_quote'),
    state([
      [0, 'Draft', 1],
      [1, 'Active', 3],
      [2, 'Won', 4],
      [3, 'Closed', 5],
    ]),
    status([
      [1, 'In Progress', 0],
      [2, 'In Progress', 1],
      [3, 'Open', 1],
      [4, 'Won', 2],
      [5, 'Lost', 3],
      [6, 'Canceled', 3],
      [7, 'Revised', 3],
    ]),
  ],
});

export const quotedetail = defineTable({
  logicalName: 'quotedetail',
  schemaName: 'QuoteDetail',
  entitySetName: 'quotedetails',
  displayName: 'Quote Product',
  primaryNameAttribute: 'quotedetailname',
  ownership: 'UserOwned',
  objectTypeCode: 1085,
  changeTrackingEnabled: true,
  columns: [
    text('quotedetailname', 500, { display: 'Name' }),
    lookup(
      'quoteid',
      { entity: 'quote', relationship: 'quote_details', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Quote' },
    ),
    ...lineColumns({
      product: 'product_quote_details',
      uom: 'unit_of_measurement_quote_details',
      currency: 'transactioncurrency_quotedetail',
    }),
  ],
});

export const salesorder = defineTable({
  logicalName: 'salesorder',
  schemaName: 'SalesOrder',
  entitySetName: 'salesorders',
  displayName: 'Order',
  primaryNameAttribute: 'name',
  ownership: 'UserOwned',
  objectTypeCode: 1088,
  changeTrackingEnabled: true,
  autoNumber: { attribute: 'ordernumber', prefix: 'ORD' },
  columns: [
    text('name', 300, { required: 'ApplicationRequired', display: 'Name' }),
    text('ordernumber', 100, { required: 'SystemRequired', notModifiable: true, display: 'Order ID' }),
    customer(
      'customerid',
      { account: 'order_customer_accounts', contact: 'order_customer_contacts' },
      { required: 'ApplicationRequired', display: 'Customer' },
    ),
    lookup(
      'pricelevelid',
      { entity: 'pricelevel', relationship: 'price_level_orders' },
      { required: 'ApplicationRequired', display: 'Price List' },
    ),
    lookup(
      'opportunityid',
      { entity: 'opportunity', relationship: 'opportunity_sales_orders' },
      { display: 'Opportunity' },
    ),
    lookup('quoteid', { entity: 'quote', relationship: 'quote_orders' }, { display: 'Quote' }),
    dateOnly('requestdeliveryby', { display: 'Requested Delivery Date' }),
    dateOnly('submitdate', { display: 'Date Submitted' }),
    dateOnly('datefulfilled', { display: 'Date Fulfilled' }),
    text('shipto_line1', 250, { display: 'Ship To Street 1' }),
    text('shipto_city', 80, { display: 'Ship To City' }),
    text('shipto_postalcode', 20, { display: 'Ship To ZIP/Postal Code' }),
    text('shipto_country', 80, { display: 'Ship To Country/Region' }),
    text('billto_line1', 250, { display: 'Bill To Street 1' }),
    text('billto_city', 80, { display: 'Bill To City' }),
    text('billto_country', 80, { display: 'Bill To Country/Region' }),
    memo('description', 2000, { display: 'Description' }),
    paymentTerms(),
    boolean('ispricelocked', ['Yes', 'No'], { display: 'Prices Locked' }),
    boolean('willcall', ['Will Call', 'Address'], { display: 'Ship To' }),
    picklist(
      'ordercreationmethod',
      [
        [776160000, 'Unknown'],
        [776160001, 'Win Quote'],
      ],
      { display: 'Order Creation Method' },
    ),
    // The ml-connector solution (docs/dataverse.md): the F&O sales order number, written back by the connector.
    text('mlc_erpordernumber', 100, {
      display: 'ERP order number',
      custom: { schemaName: 'mlc_ERPOrderNumber' },
    }),
    ...headerTotals(),
    ...currency('transactioncurrency_salesorder'),
    state([
      [0, 'Active', 1],
      [1, 'Submitted', 3],
      [2, 'Canceled', 4],
      [3, 'Fulfilled', 100001],
      [4, 'Invoiced', 100003],
    ]),
    status([
      [1, 'New', 0],
      [2, 'Pending', 0],
      [3, 'In Progress', 1],
      [4, 'No Money', 2],
      [100001, 'Complete', 3],
      [100002, 'Partial', 3],
      [100003, 'Invoiced', 4],
    ]),
  ],
});

export const salesorderdetail = defineTable({
  logicalName: 'salesorderdetail',
  schemaName: 'SalesOrderDetail',
  entitySetName: 'salesorderdetails',
  displayName: 'Order Product',
  primaryNameAttribute: 'salesorderdetailname',
  ownership: 'UserOwned',
  objectTypeCode: 1089,
  changeTrackingEnabled: true,
  columns: [
    text('salesorderdetailname', 500, { display: 'Name' }),
    lookup(
      'salesorderid',
      { entity: 'salesorder', relationship: 'order_details', cascade: 'Cascade' },
      { required: 'SystemRequired', display: 'Order' },
    ),
    ...lineColumns({
      product: 'product_order_details',
      uom: 'unit_of_measurement_order_details',
      currency: 'transactioncurrency_salesorderdetail',
    }),
    text('productnumber', 100, { readOnly: true, display: 'Product Number' }),
    dateOnly('requestdeliveryby', { display: 'Requested Delivery Date' }),
  ],
});
