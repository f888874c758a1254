import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { type keyKind, keyMap } from '../schema/index';

export type KeyKind = (typeof keyKind.enumValues)[number];

export interface KeyLink {
  connectionId: string;
  kind: KeyKind;
  /** Dataverse table of the CRM side (account, contact, product, salesorder, opportunity). */
  crmEntity: string;
  crmId: string;
  /** F&O legal entity, lower-case. */
  dataAreaId: string;
  fnoKey: string;
}

/**
 * `linked`: stored now; `unchanged`: the same pair was already linked; `conflict`: the CRM id is
 * already linked to another F&O key in that legal entity, or the F&O key to another CRM id
 * (`existing` names those links, one or two). A conflict never overwrites anything.
 */
export type LinkResult =
  | { status: 'linked' | 'unchanged'; link: KeyLink }
  | { status: 'conflict'; requested: KeyLink; existing: KeyLink[]; message: string };

const columns = {
  connectionId: keyMap.connectionId,
  kind: keyMap.kind,
  crmEntity: keyMap.crmEntity,
  crmId: keyMap.crmId,
  dataAreaId: keyMap.dataAreaId,
  fnoKey: keyMap.fnoKey,
};

export function createKeyMapRepository(db: Database) {
  return {
    async link(input: KeyLink): Promise<LinkResult> {
      const link: KeyLink = { ...input, dataAreaId: input.dataAreaId.toLowerCase() };
      // A conflicting row can only vanish with its connection (cascade): retry once, then give up.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const [inserted] = await db.insert(keyMap).values(link).onConflictDoNothing().returning(columns);
        if (inserted) return { status: 'linked', link: inserted };
        const existing = await db
          .select(columns)
          .from(keyMap)
          .where(
            and(
              eq(keyMap.connectionId, link.connectionId),
              eq(keyMap.kind, link.kind),
              eq(keyMap.dataAreaId, link.dataAreaId),
              or(eq(keyMap.crmId, link.crmId), eq(keyMap.fnoKey, link.fnoKey)),
            ),
          );
        const same = existing.find((row) => row.crmId === link.crmId && row.fnoKey === link.fnoKey);
        if (same) return { status: 'unchanged', link: same };
        if (existing.length > 0) {
          const described = existing
            .map((row) => `${row.crmEntity} ${row.crmId} ↔ ${row.fnoKey}`)
            .join(' and ');
          return {
            status: 'conflict',
            requested: link,
            existing,
            message:
              `cannot link ${link.crmEntity} ${link.crmId} to ${link.kind} ${link.fnoKey} in ` +
              `${link.dataAreaId}: already linked ${described}`,
          };
        }
      }
      throw new Error(`key map link ${input.crmId} ↔ ${input.fnoKey} kept conflicting with a vanishing row`);
    },

    /** The F&O key linked to a CRM id in a legal entity. */
    async fnoKeyOf(input: {
      connectionId: string;
      kind: KeyKind;
      crmId: string;
      dataAreaId: string;
    }): Promise<string | undefined> {
      const [row] = await db
        .select({ fnoKey: keyMap.fnoKey })
        .from(keyMap)
        .where(
          and(
            eq(keyMap.connectionId, input.connectionId),
            eq(keyMap.kind, input.kind),
            eq(keyMap.crmId, input.crmId),
            eq(keyMap.dataAreaId, input.dataAreaId.toLowerCase()),
          ),
        );
      return row?.fnoKey;
    },

    /** The CRM id (and its table) linked to an F&O key in a legal entity. */
    async crmIdOf(input: {
      connectionId: string;
      kind: KeyKind;
      dataAreaId: string;
      fnoKey: string;
    }): Promise<{ crmEntity: string; crmId: string } | undefined> {
      const [row] = await db
        .select({ crmEntity: keyMap.crmEntity, crmId: keyMap.crmId })
        .from(keyMap)
        .where(
          and(
            eq(keyMap.connectionId, input.connectionId),
            eq(keyMap.kind, input.kind),
            eq(keyMap.dataAreaId, input.dataAreaId.toLowerCase()),
            eq(keyMap.fnoKey, input.fnoKey),
          ),
        );
      return row;
    },

    /** The CRM records linked to these F&O keys (`<dataAreaId>/<fnoKey>`), with when each link was made. */
    async linksOf(input: {
      connectionId: string;
      kind: KeyKind;
      keys: readonly { dataAreaId: string; fnoKey: string }[];
    }): Promise<Map<string, { crmEntity: string; crmId: string; linkedAt: Date }>> {
      const wanted = [...new Set(input.keys.map((k) => `${k.dataAreaId.toLowerCase()}/${k.fnoKey}`))];
      const out = new Map<string, { crmEntity: string; crmId: string; linkedAt: Date }>();
      for (let start = 0; start < wanted.length; start += 5000) {
        const rows = await db
          .select({
            dataAreaId: keyMap.dataAreaId,
            fnoKey: keyMap.fnoKey,
            crmEntity: keyMap.crmEntity,
            crmId: keyMap.crmId,
            linkedAt: keyMap.createdAt,
          })
          .from(keyMap)
          .where(
            and(
              eq(keyMap.connectionId, input.connectionId),
              eq(keyMap.kind, input.kind),
              inArray(
                sql`${keyMap.dataAreaId} || '/' || ${keyMap.fnoKey}`,
                wanted.slice(start, start + 5000),
              ),
            ),
          );
        for (const row of rows)
          out.set(`${row.dataAreaId}/${row.fnoKey}`, {
            crmEntity: row.crmEntity,
            crmId: row.crmId,
            linkedAt: row.linkedAt,
          });
      }
      return out;
    },
  };
}

export type KeyMapRepository = ReturnType<typeof createKeyMapRepository>;
