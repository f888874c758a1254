import type {
  AttributeDef,
  CascadeDelete,
  OptionDef,
  RequiredLevel,
  StateOptionDef,
  StatusOptionDef,
  StringFormat,
} from './types';

/** Small builders so the table definitions read like the metadata they mirror. */

interface ColumnOptions {
  required?: RequiredLevel;
  display?: string;
  /** Platform-computed: neither valid for create nor for update (silently ignored on write). */
  readOnly?: boolean;
  /** Valid on create only (ordernumber, quotenumber). */
  notModifiable?: boolean;
  /** Write-only (serviceendpoint.authvalue). */
  writeOnly?: boolean;
  /** Added by a solution (IsCustomAttribute), with its schema name (`mlc_ERPOrderNumber`). */
  custom?: { schemaName: string };
}

function common(logicalName: string, options: ColumnOptions) {
  return {
    logicalName,
    displayName: options.display ?? titleCase(logicalName),
    requiredLevel: options.required ?? 'None',
    validForCreate: options.readOnly !== true,
    validForUpdate: options.readOnly !== true && options.notModifiable !== true,
    validForRead: options.writeOnly !== true,
    ...(options.custom ? { custom: options.custom } : {}),
  } as const;
}

function titleCase(name: string): string {
  return name
    .replace(/^address1_/, 'Address 1: ')
    .replace(/id$/, '')
    .replace(/^./, (c) => c.toUpperCase());
}

export function primaryKey(logicalName: string): AttributeDef {
  return {
    ...common(logicalName, { required: 'SystemRequired' }),
    type: 'Uniqueidentifier',
    primaryKey: true,
  };
}

export function guid(logicalName: string, options: ColumnOptions = {}): AttributeDef {
  return { ...common(logicalName, options), type: 'Uniqueidentifier', primaryKey: false };
}

export function text(
  logicalName: string,
  maxLength: number,
  options: ColumnOptions & { format?: StringFormat } = {},
): AttributeDef {
  return { ...common(logicalName, options), type: 'String', maxLength, format: options.format ?? 'Text' };
}

export function memo(logicalName: string, maxLength: number, options: ColumnOptions = {}): AttributeDef {
  return { ...common(logicalName, options), type: 'Memo', maxLength };
}

export function integer(
  logicalName: string,
  options: ColumnOptions & { min?: number; max?: number } = {},
): AttributeDef {
  return {
    ...common(logicalName, options),
    type: 'Integer',
    min: options.min ?? -2_147_483_648,
    max: options.max ?? 2_147_483_647,
  };
}

export function bigint(logicalName: string, options: ColumnOptions = {}): AttributeDef {
  return { ...common(logicalName, options), type: 'BigInt' };
}

export function decimal(
  logicalName: string,
  options: ColumnOptions & { precision?: number; min?: number; max?: number } = {},
): AttributeDef {
  return {
    ...common(logicalName, options),
    type: 'Decimal',
    precision: options.precision ?? 2,
    min: options.min ?? -100_000_000_000,
    max: options.max ?? 100_000_000_000,
  };
}

const MONEY_LIMIT = 922_337_203_685_477;

export function money(logicalName: string, options: ColumnOptions & { min?: number } = {}): AttributeDef {
  return {
    ...common(logicalName, options),
    type: 'Money',
    precision: 2,
    min: options.min ?? -MONEY_LIMIT,
    max: MONEY_LIMIT,
  };
}

export function boolean(
  logicalName: string,
  labels: [trueLabel: string, falseLabel: string] = ['Yes', 'No'],
  options: ColumnOptions = {},
): AttributeDef {
  return { ...common(logicalName, options), type: 'Boolean', trueLabel: labels[0], falseLabel: labels[1] };
}

export function dateTime(logicalName: string, options: ColumnOptions = {}): AttributeDef {
  return { ...common(logicalName, options), type: 'DateTime', format: 'DateAndTime' };
}

export function dateOnly(logicalName: string, options: ColumnOptions = {}): AttributeDef {
  return { ...common(logicalName, options), type: 'DateTime', format: 'DateOnly' };
}

export function picklist(
  logicalName: string,
  options: Array<[value: number, label: string]>,
  columnOptions: ColumnOptions = {},
): AttributeDef {
  return { ...common(logicalName, columnOptions), type: 'Picklist', options: toOptions(options) };
}

/** `statecode`: each state names the status a record gets when it enters it. */
export function state(options: Array<[value: number, label: string, defaultStatus: number]>): AttributeDef {
  const defs: StateOptionDef[] = options.map(([value, label, defaultStatus]) => ({
    value,
    label,
    defaultStatus,
  }));
  return {
    ...common('statecode', { required: 'SystemRequired', display: 'Status' }),
    type: 'State',
    options: defs,
  };
}

/** `statuscode`: each status reason belongs to one state. */
export function status(options: Array<[value: number, label: string, state: number]>): AttributeDef {
  const defs: StatusOptionDef[] = options.map(([value, label, s]) => ({ value, label, state: s }));
  return { ...common('statuscode', { display: 'Status Reason' }), type: 'Status', options: defs };
}

export interface TargetSpec {
  entity: string;
  relationship: string;
  /** Defaults to the column name (single-target lookups) or `<column>_<entity>` (customer). */
  navigation?: string;
  cascade?: CascadeDelete;
}

export function lookup(logicalName: string, target: TargetSpec, options: ColumnOptions = {}): AttributeDef {
  return {
    ...common(logicalName, options),
    type: 'Lookup',
    targets: [
      {
        entity: target.entity,
        relationship: target.relationship,
        navigation: target.navigation ?? logicalName,
        cascadeDelete: target.cascade ?? 'RemoveLink',
      },
    ],
  };
}

/** A Customer column: account or contact, navigations `<column>_account` / `<column>_contact`. */
export function customer(
  logicalName: string,
  relationships: { account: string; contact: string },
  options: ColumnOptions & { cascade?: CascadeDelete } = {},
): AttributeDef {
  const cascadeDelete = options.cascade ?? 'Cascade';
  return {
    ...common(logicalName, options),
    type: 'Customer',
    targets: [
      {
        entity: 'account',
        relationship: relationships.account,
        navigation: `${logicalName}_account`,
        cascadeDelete,
      },
      {
        entity: 'contact',
        relationship: relationships.contact,
        navigation: `${logicalName}_contact`,
        cascadeDelete,
      },
    ],
  };
}

function toOptions(options: Array<[number, string]>): OptionDef[] {
  return options.map(([value, label]) => ({ value, label }));
}

/** The system columns every table of a given ownership has. */
export function systemColumns(
  logicalName: string,
  entitySetName: string,
  ownership: 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned',
): AttributeDef[] {
  const columns: AttributeDef[] = [
    dateTime('createdon', { readOnly: true, display: 'Created On' }),
    dateTime('modifiedon', { readOnly: true, display: 'Modified On' }),
    lookup(
      'createdby',
      { entity: 'systemuser', relationship: `lk_${logicalName}_createdby`, cascade: 'NoCascade' },
      { readOnly: true, display: 'Created By' },
    ),
    lookup(
      'modifiedby',
      { entity: 'systemuser', relationship: `lk_${logicalName}_modifiedby`, cascade: 'NoCascade' },
      { readOnly: true, display: 'Modified By' },
    ),
    bigint('versionnumber', { readOnly: true, display: 'Version Number' }),
  ];
  if (ownership === 'UserOwned') {
    columns.push(
      {
        ...common('ownerid', { required: 'SystemRequired', display: 'Owner' }),
        type: 'Owner',
        targets: [
          {
            entity: 'systemuser',
            relationship: `owner_${entitySetName}`,
            navigation: 'ownerid',
            cascadeDelete: 'Restrict',
          },
        ],
      },
      lookup(
        'owningbusinessunit',
        { entity: 'businessunit', relationship: `business_unit_${entitySetName}`, cascade: 'NoCascade' },
        { readOnly: true, display: 'Owning Business Unit' },
      ),
    );
  }
  if (ownership === 'OrganizationOwned') {
    columns.push(
      lookup(
        'organizationid',
        { entity: 'organization', relationship: `organization_${entitySetName}`, cascade: 'NoCascade' },
        { readOnly: true, display: 'Organization' },
      ),
    );
  }
  return columns;
}
