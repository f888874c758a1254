import { describe, expect, it } from 'vitest';
import { DataverseError } from '../errors';
import { metadata } from '../metadata/registry';
import type { StoredRow } from '../store/types';
import { queryCollection } from './execute';
import { parseOrderBy } from './options';
import { type CookieColumn, decodeSkipToken, encodeSkipToken } from './paging';

const account = metadata.entity('account');
const column = (name: string): CookieColumn => {
  const attribute = account.attributes.get(name);
  if (!attribute) throw new Error(name);
  return { name, attribute };
};

function row(id: string, name: string | undefined, revenue?: number): StoredRow {
  const values: Record<string, string | number> = { accountid: id };
  if (name !== undefined) values['name'] = name;
  if (revenue !== undefined) values['revenue'] = revenue;
  return { id, version: 1, values };
}

const ids = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('$skiptoken paging cookie', () => {
  it('has the platform shape and round-trips the last row of the page', () => {
    const columns = [column('name'), column('accountid')];
    const token = encodeSkipToken(
      1,
      columns,
      row(ids[0] ?? '', 'Apex "A" & Co'),
      row(ids[3] ?? '', 'Zenith <Z>'),
    );
    expect(token).toMatch(
      /^<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e.*" istracking="False" \/>$/,
    );
    const inner = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(token)?.[1] ?? ''));
    expect(inner).toBe(
      `<cookie page="1"><name last="Zenith &lt;Z&gt;" first="Apex &quot;A&quot; &amp; Co" /><accountid last="{${ids[3]?.toUpperCase()}}" first="{${ids[0]?.toUpperCase()}}" /></cookie>`,
    );
    expect(decodeSkipToken(token, columns)).toEqual({
      pageNumber: 2,
      last: ['Zenith <Z>', ids[3]],
      trackingVersion: undefined,
    });
  });

  it('keeps nulls distinct from empty strings', () => {
    const columns = [column('name'), column('accountid')];
    const token = encodeSkipToken(3, columns, row(ids[0] ?? '', undefined), row(ids[1] ?? '', undefined));
    expect(decodeSkipToken(token, columns).last).toEqual([undefined, ids[1]]);
  });

  it('refuses a token that is not a paging cookie', () => {
    expect(() => decodeSkipToken('garbage', [column('accountid')])).toThrow(DataverseError);
    expect(() =>
      decodeSkipToken('<cookie pagenumber="2" pagingcookie="%25zz" istracking="False" />', [
        column('accountid'),
      ]),
    ).toThrow('The $skiptoken value is not a valid paging cookie.');
  });
});

describe('queryCollection', () => {
  const rows = ids.map((id, i) =>
    row(id, i % 3 === 0 ? undefined : `name ${String.fromCharCode(97 + (i % 5))}`, i * 10),
  );

  it('pages over every row exactly once, in order, with nulls first', () => {
    const orderby = parseOrderBy('name asc,revenue desc', account);
    const seen: string[] = [];
    let skiptoken: string | undefined;
    let pages = 0;
    do {
      const page = queryCollection(account, rows, {
        filter: undefined,
        orderby,
        pageSize: 5,
        skiptoken,
        count: true,
      });
      expect(page.total).toBe(12);
      seen.push(...page.rows.map((r) => r.id));
      skiptoken = page.nextSkipToken;
      pages++;
    } while (skiptoken);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
    const names = seen.map((id) => rows.find((r) => r.id === id)?.values['name'] ?? null);
    expect(names.slice(0, 4)).toEqual([null, null, null, null]);
  });

  it('does not shift pages when rows are added before the cursor', () => {
    const orderby = parseOrderBy('revenue', account);
    const first = queryCollection(account, rows, {
      filter: undefined,
      orderby,
      pageSize: 4,
      skiptoken: undefined,
      count: false,
    });
    const more = [row('ffffffff-0000-4000-8000-000000000000', 'early', -5), ...rows];
    const second = queryCollection(account, more, {
      filter: undefined,
      orderby,
      pageSize: 4,
      skiptoken: first.nextSkipToken,
      count: false,
    });
    expect(second.rows.map((r) => r.values['revenue'])).toEqual([40, 50, 60, 70]);
  });
});
