import { z } from 'zod';
import type { ConnectorContext } from '../core/context';
import { ConnectorError } from '../core/errors';
import { DataverseApi } from './api';
import type { DataverseConfig } from './config';

/**
 * The Sales rows the catalog mappings point at, found by name in one pass: the unit group of
 * synced products with its units (by name, lower case), and price lists (by name). Read with
 * `backfill` priority, once per catalog run; a missing unit group or price list is reported with
 * what to create, never created behind the admin's back.
 */
export interface CatalogRefs {
  unitGroupId: string;
  /** Unit name (lower case) → uomid, for the units of the group. */
  unitIdByName: Map<string, string>;
  /** The group's base unit (new units are defined in it). */
  baseUnitId: string | undefined;
  /** Price list name → pricelevelid (only the names asked for and found). */
  priceListIdByName: Map<string, string>;
}

const idRows = <K extends string>(key: K) =>
  z.object({
    value: z.array(
      z.object({ [key]: z.string(), name: z.string().nullable() } as Record<K | 'name', z.ZodType>),
    ),
  });

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export async function readCatalogRefs(
  ctx: ConnectorContext,
  config: DataverseConfig,
  wanted: { unitGroup: string; priceLists: readonly string[] },
): Promise<CatalogRefs> {
  const api = new DataverseApi(ctx, config);
  const groups = (
    await api.get(
      `uomschedules?$select=uomscheduleid,name&$filter=name eq ${encodeURIComponent(literal(wanted.unitGroup))}`,
      idRows('uomscheduleid'),
      { priority: 'backfill' },
    )
  ).body.value;
  const group = groups[0] as { uomscheduleid: string } | undefined;
  if (!group) {
    throw new ConnectorError(
      'invalid_config',
      `Dynamics 365 Sales has no unit group named "${wanted.unitGroup}".`,
      {
        remedy: `Create the unit group "${wanted.unitGroup}" in Sales (Settings > Product Catalog > Unit Groups), or name an existing one in the connection's catalog settings.`,
      },
    );
  }
  const units = (
    await api.get(
      `uoms?$select=uomid,name,isschedulebaseuom&$filter=_uomscheduleid_value eq ${group.uomscheduleid}`,
      z.object({
        value: z.array(
          z.object({
            uomid: z.string(),
            name: z.string().nullable(),
            isschedulebaseuom: z.boolean().nullable().optional(),
          }),
        ),
      }),
      { priority: 'backfill' },
    )
  ).body.value;
  const priceListIdByName = new Map<string, string>();
  for (const name of new Set(wanted.priceLists)) {
    const found = (
      await api.get(
        `pricelevels?$select=pricelevelid,name&$filter=name eq ${encodeURIComponent(literal(name))}`,
        idRows('pricelevelid'),
        { priority: 'backfill' },
      )
    ).body.value[0] as { pricelevelid: string } | undefined;
    if (found) priceListIdByName.set(name, found.pricelevelid);
  }
  return {
    unitGroupId: group.uomscheduleid,
    baseUnitId: units.find((u) => u.isschedulebaseuom === true)?.uomid,
    unitIdByName: new Map(units.filter((u) => u.name).map((u) => [String(u.name).toLowerCase(), u.uomid])),
    priceListIdByName,
  };
}
