import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './dataverse-harness';

type Row = Record<string, unknown>;
type Body = {
  value: Row[];
  '@odata.deltaLink'?: string;
  '@odata.nextLink'?: string;
  '@odata.context': string;
};

let h: Harness;
let clock = Date.parse('2026-04-01T08:00:00Z');
const TRACK = { Prefer: 'odata.track-changes' };

beforeAll(async () => {
  h = await startHarness({ now: () => new Date(clock) });
});
afterAll(async () => {
  await h.close();
});

const sample = async (name: string): Promise<Row> =>
  JSON.parse(await readFile(new URL(`./fixtures/dataverse-samples/${name}`, import.meta.url), 'utf8')) as Row;

async function get(
  url: string,
  headers: Record<string, string> = TRACK,
): Promise<{ response: Response; body: Body }> {
  const response = await h.api(url, { headers });
  const body = (await response.json()) as Body;
  return { response, body };
}

async function errorOf(response: Response): Promise<{ status: number; code: unknown; message: unknown }> {
  const body = (await response.json()) as { error: { code: unknown; message: unknown } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe('change tracking', () => {
  it('returns every row and a deltaLink on the initial request, shaped like the Microsoft sample', async () => {
    const { response, body } = await get('accounts?$select=name,accountnumber,telephone1,fax');
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('odata.track-changes');
    expect(response.headers.get('odata-version')).toBe('4.0');
    const expected = await sample('msdocs_change_tracking_initial_response.body.json');
    expect(Object.keys(body)).toEqual(Object.keys(expected));
    expect(body['@odata.context']).toBe(`${h.root}$metadata#accounts(name,accountnumber,telephone1,fax)`);
    expect(body['@odata.deltaLink']).toMatch(
      new RegExp(
        `^${h.root.replace(/[.?$]/g, '\\$&')}accounts\\?\\$select=name,accountnumber,telephone1,fax&\\$deltatoken=\\d+%21\\d{2}%2f\\d{2}%2f\\d{4}%20\\d{2}%3a\\d{2}%3a\\d{2}$`,
      ),
    );
    expect(decodeURIComponent(body['@odata.deltaLink']?.split('$deltatoken=')[1] ?? '')).toMatch(
      /^\d+!04\/01\/2026 08:00:00$/,
    );
    const sampleRow = (expected['value'] as Row[])[0] ?? {};
    expect(Object.keys(body.value[0] ?? {})).toEqual(Object.keys(sampleRow));
    expect(body.value).toHaveLength(300);
  });

  it('returns creates and updates (by version), then deletes, in a delta shaped like the sample', async () => {
    const initial = await get('accounts?$select=name,telephone1,fax');
    const deltaLink = initial.body['@odata.deltaLink'] ?? '';
    const [victim, changed] = initial.body.value;
    const created = await h.api('accounts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Tracked new', telephone1: '555000' }),
    });
    const createdId = /\(([0-9a-f-]+)\)$/.exec(created.headers.get('odata-entityid') ?? '')?.[1];
    await h.api(`accounts(${String(changed?.['accountid'])})`, {
      method: 'PATCH',
      body: JSON.stringify({ fax: '10101' }),
    });
    await h.api(`accounts(${String(victim?.['accountid'])})`, { method: 'DELETE' });
    const transient = await h.api('accounts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Created then deleted' }),
    });
    const transientId = /\(([0-9a-f-]+)\)$/.exec(transient.headers.get('odata-entityid') ?? '')?.[1];
    await h.api(`accounts(${transientId})`, { method: 'DELETE' });

    clock += 60_000;
    const { response, body } = await get(deltaLink);
    expect(response.status).toBe(200);
    const expected = await sample('msdocs_change_tracking_delta_response.body.json');
    expect(Object.keys(body)).toEqual(Object.keys(expected));
    expect(body['@odata.context']).toBe(`${h.root}$metadata#accounts(name,telephone1,fax)/$delta`);
    expect(body['@odata.deltaLink']).not.toBe(deltaLink);
    expect(body.value.map((r) => r['accountid'] ?? r['id'])).toEqual([
      createdId,
      changed?.['accountid'],
      victim?.['accountid'],
      transientId,
    ]);
    const [sampleRow, sampleDeleted] = expected['value'] as Row[];
    expect(Object.keys(body.value[0] ?? {})).toEqual(Object.keys(sampleRow ?? {}));
    expect(body.value[1]).toMatchObject({ fax: '10101' });
    expect(Object.keys(body.value[2] ?? {})).toEqual(Object.keys(sampleDeleted ?? {}));
    expect(body.value[2]).toEqual({
      '@odata.context': `${h.root}$metadata#accounts/$deletedEntity`,
      id: victim?.['accountid'],
      reason: 'deleted',
    });

    const count = await h.api(`accounts/$count?$deltatoken=${deltaLink.split('$deltatoken=')[1] ?? ''}`);
    expect(await count.text()).toBe('4');

    const again = await get(body['@odata.deltaLink'] ?? '');
    expect(again.body.value).toEqual([]);
    expect(again.body['@odata.deltaLink']).toBeDefined();
  });

  it('pages the initial sync (istracking cookies) and gives the deltaLink on the last page only', async () => {
    const prefer = { Prefer: 'odata.track-changes,odata.maxpagesize=120' };
    let url: string | undefined = 'contacts?$select=fullname';
    const ids = new Set<string>();
    let deltaLink: string | undefined;
    let pages = 0;
    while (url) {
      const { response, body } = await get(url, prefer);
      expect(response.headers.get('preference-applied')).toBe('odata.track-changes,odata.maxpagesize=120');
      pages++;
      for (const row of body.value) ids.add(String(row['contactid']));
      if (body['@odata.nextLink']) {
        expect(body['@odata.deltaLink']).toBeUndefined();
        expect(decodeURIComponent(body['@odata.nextLink'])).toContain('istracking="True"');
      }
      deltaLink = body['@odata.deltaLink'];
      url = body['@odata.nextLink'];
    }
    const contacts = (await h.service.stats()).tables['contact'] ?? 0;
    expect(pages).toBe(Math.ceil(contacts / 120));
    expect(ids.size).toBe(contacts);
    expect(deltaLink).toBeDefined();
  });

  it('pages a large delta with maxpagesize', async () => {
    const { body } = await get('contacts?$select=lastname');
    for (let i = 0; i < 5; i++) {
      await h.api('contacts', { method: 'POST', body: JSON.stringify({ lastname: `Delta ${i}` }) });
    }
    const first = await get(body['@odata.deltaLink'] ?? '', {
      Prefer: 'odata.track-changes,odata.maxpagesize=2',
    });
    expect(first.body.value).toHaveLength(2);
    expect(first.body['@odata.deltaLink']).toBeUndefined();
    const second = await get(first.body['@odata.nextLink'] ?? '', {
      Prefer: 'odata.track-changes,odata.maxpagesize=2',
    });
    const third = await get(second.body['@odata.nextLink'] ?? '', {
      Prefer: 'odata.track-changes,odata.maxpagesize=2',
    });
    expect(third.body.value).toHaveLength(1);
    expect(third.body['@odata.deltaLink']).toBeDefined();
    const names = [...first.body.value, ...second.body.value, ...third.body.value].map((r) => r['lastname']);
    expect(names).toEqual(['Delta 0', 'Delta 1', 'Delta 2', 'Delta 3', 'Delta 4']);
  });

  it('refuses $filter, $orderby, $expand and $top, and tables without change tracking', async () => {
    for (const option of ['$filter=name ne null', '$orderby=name', '$expand=primarycontactid', '$top=5']) {
      const [name] = option.split('=');
      expect(await errorOf(await h.api(`accounts?$select=name&${option}`, { headers: TRACK }))).toEqual({
        status: 400,
        code: '0x80060888',
        message: `The "${name}" query parameter isn't supported when Change Tracking is enabled.`,
      });
    }
    expect((await errorOf(await h.api('sdkmessages', { headers: TRACK }))).message).toBe(
      "Entity: sdkmessage isn't enabled for change tracking.",
    );
  });

  it('refuses expired tokens (older than expirechangetrackingindays, or from before a reset)', async () => {
    const { body } = await get('accounts?$select=name');
    const deltaLink = body['@odata.deltaLink'] ?? '';
    clock += 8 * 86_400_000;
    const expired = {
      status: 400,
      code: '0x80044352',
      message: 'Version stamp associated with the client has expired. Please perform a full sync.',
    };
    expect(await errorOf(await h.api(deltaLink, { headers: TRACK }))).toEqual(expired);
    const fresh = (await get('accounts?$select=name')).body['@odata.deltaLink'] ?? '';
    await h.service.reset();
    expect(await errorOf(await h.api(fresh, { headers: TRACK }))).toEqual(expired);
    expect(await errorOf(await h.api('accounts?$deltatoken=garbage', { headers: TRACK }))).toEqual(expired);
  });
});
