import { describe, expect, it } from 'vitest';
import { highestVersion, jobCatalog } from './catalog';

const record = {
  connectionId: '5f0c6a1e-2b3d-4c5e-8f9a-0b1c2d3e4f5a',
  direction: 'sales_to_fno' as const,
  entity: 'salesorder',
  sourceId: 'a',
};

describe('sync.record join', () => {
  const { join, schema } = jobCatalog['sync.record'];
  if (!join) throw new Error('sync.record joins');

  it('keeps the highest version of the joined triggers, compared as numbers', () => {
    const joined = join(
      { ...record, message: 'Update', sourceVersion: '9' },
      { ...record, message: 'Update', sourceVersion: '10' },
    );
    expect(joined.sourceVersion).toBe('10');
    expect(
      join(
        { ...record, message: 'Create', sourceVersion: '9007199254740993' },
        { ...record, message: 'Update', sourceVersion: '9007199254740992' },
      ),
    ).toEqual({ ...record, message: 'Create', sourceVersion: '9007199254740993' });
  });

  it('makes the joined job version-less when one trigger has no version (it must run)', () => {
    const queued = { ...record, message: 'Create', sourceVersion: '12' };
    expect(join(queued, { ...record, message: 'delta' })).toEqual({ ...record, message: 'Create' });
    expect(
      join({ ...record, message: 'Update' }, { ...record, message: 'Update', sourceVersion: '13' }),
    ).toEqual({ ...record, message: 'Update' });
  });

  it('accepts a payload without version (queued by an older worker) and refuses a version that is not a number', () => {
    expect(schema.safeParse({ ...record, message: 'Update' }).success).toBe(true);
    expect(schema.safeParse({ ...record, sourceVersion: '1e3' }).success).toBe(false);
    expect(highestVersion('2', undefined)).toBeUndefined();
  });
});
