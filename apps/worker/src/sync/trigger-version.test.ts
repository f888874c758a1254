import { describe, expect, it } from 'vitest';
import { versionOfTrigger } from './handlers';

describe('versionOfTrigger', () => {
  const event = {
    primaryEntityName: 'salesorder',
    primaryEntityId: '5F0C6A1E-2B3D-4C5E-8F9A-0B1C2D3E4F5A',
    postImageVersion: '1204',
  };
  it('is the post image version when the webhook is about the flow source row itself', () => {
    expect(versionOfTrigger(event, 'salesorder', '5f0c6a1e-2b3d-4c5e-8f9a-0b1c2d3e4f5a')).toBe('1204');
  });
  it('is none for another table, another row or a webhook without image', () => {
    expect(versionOfTrigger(event, 'opportunity', '5f0c6a1e-2b3d-4c5e-8f9a-0b1c2d3e4f5a')).toBeUndefined();
    expect(versionOfTrigger(event, 'salesorder', 'another')).toBeUndefined();
    expect(
      versionOfTrigger(
        { ...event, postImageVersion: undefined },
        'salesorder',
        event.primaryEntityId.toLowerCase(),
      ),
    ).toBeUndefined();
  });
});
