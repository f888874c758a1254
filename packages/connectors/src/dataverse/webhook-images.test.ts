import { describe, expect, it } from 'vitest';
import { alignPostImage, POST_IMAGE_ALIAS, postImageColumns } from './webhook-images';

const STEP = '/sdkmessageprocessingsteps(5a7c9e1b-3d5f-4a6b-8c9d-0e1f2a3b4c5d)';
const image = (id: string, alias: string, attributes: string | null, extra = {}) => ({
  sdkmessageprocessingstepimageid: id,
  entityalias: alias,
  imagetype: 1,
  messagepropertyname: 'Target',
  attributes,
  ...extra,
});
const ID1 = '3c1e5a7b-9d2f-4e6a-8b1c-5d7e9f0a2b41';
const ID2 = '3c1e5a7b-9d2f-4e6a-8b1c-5d7e9f0a2b42';

describe('our post image of a step', () => {
  const wanted = postImageColumns('img', 'Update', ['VersionNumber', 'versionnumber']);

  it('names the request property of the message and lists the columns once, sorted', () => {
    expect(wanted).toMatchObject({
      entityalias: POST_IMAGE_ALIAS,
      imagetype: 1,
      messagepropertyname: 'Target',
      attributes: 'versionnumber',
    });
    expect(postImageColumns('img', 'Create', ['name', 'versionnumber']).messagepropertyname).toBe('Id');
  });

  it('creates a missing one, keeps a matching one, repairs a changed one and drops copies', () => {
    expect(alignPostImage([image(ID1, 'audit', 'name')], wanted, STEP)).toEqual([
      expect.objectContaining({
        method: 'POST',
        body: expect.objectContaining({ 'sdkmessageprocessingstepid@odata.bind': STEP }),
      }),
    ]);
    expect(alignPostImage([image(ID1, 'MLC_POST', ' versionnumber ')], wanted, STEP)).toEqual([
      expect.objectContaining({ method: 'PATCH' }),
    ]);
    expect(alignPostImage([image(ID1, POST_IMAGE_ALIAS, 'versionnumber')], wanted, STEP)).toEqual([]);
    expect(
      alignPostImage(
        [image(ID1, POST_IMAGE_ALIAS, 'name'), image(ID2, POST_IMAGE_ALIAS, 'versionnumber')],
        wanted,
        STEP,
      ).map((op) => `${op.method} ${op.url.split('/').at(-1)}`),
    ).toEqual([
      `PATCH sdkmessageprocessingstepimages(${ID1})`,
      `DELETE sdkmessageprocessingstepimages(${ID2})`,
    ]);
    expect(alignPostImage([image(ID1, POST_IMAGE_ALIAS, 'versionnumber')], undefined, STEP)).toEqual([
      expect.objectContaining({ method: 'DELETE' }),
    ]);
  });
});
