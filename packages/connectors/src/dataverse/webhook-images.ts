import { z } from 'zod';
import { API_PATH, recordPath } from './api';
import type { BatchOperation } from './batch';

/**
 * The post image the connector registers on its webhook steps (`sdkmessageprocessingstepimages`,
 * shared/reference/dataverse.md §5): alias `mlc_post`, image type 1 (post), the message's request
 * property (`Id` for Create, `Target` for Update, as the SDK names them), the columns asked for.
 * `ensureWebhook` (setup.ts) lists a step's images expanded with the step and aligns ours.
 */

/** The alias (`entityalias`) of the post image the connector registers on its steps. */
export const POST_IMAGE_ALIAS = 'mlc_post';

/** The request property each message's image is taken from (`messagepropertyname`). */
const IMAGE_PROPERTY: Readonly<Record<string, string>> = { create: 'Id', update: 'Target' };

/** The collection navigation from a step to its images (`$expand` with the step listing). */
export const STEP_IMAGES = 'sdkmessageprocessingstepid_sdkmessageprocessingstepimage';
export const IMAGE_COLUMNS =
  'sdkmessageprocessingstepimageid,entityalias,imagetype,messagepropertyname,attributes';

export const imageRow = z.looseObject({
  sdkmessageprocessingstepimageid: z.guid(),
  entityalias: z.string().nullable(),
  imagetype: z.number().nullable(),
  messagepropertyname: z.string().nullable(),
  attributes: z.string().nullable(),
});
type ImageRow = z.output<typeof imageRow>;

/** The columns of our post image of a step. */
export interface PostImageColumns {
  name: string;
  entityalias: string;
  imagetype: number;
  messagepropertyname: string;
  /** Sorted, lower case, comma-separated. */
  attributes: string;
}

/** Whether a step of this message can have a post image (Create and Update). */
export function hasPostImage(message: string): boolean {
  return IMAGE_PROPERTY[message.toLowerCase()] !== undefined;
}

export function postImageColumns(
  name: string,
  message: string,
  attributes: readonly string[],
): PostImageColumns {
  return {
    name,
    entityalias: POST_IMAGE_ALIAS,
    imagetype: 1, // PostImage
    messagepropertyname: IMAGE_PROPERTY[message.toLowerCase()] ?? 'Target',
    attributes: columnList(attributes.join(',')),
  };
}

/** The image, bound to its step by path (`/sdkmessageprocessingsteps(<id>)`) or Content-ID (`$n`). */
export function createPostImage(image: PostImageColumns, step: string): BatchOperation {
  return {
    method: 'POST',
    url: `${API_PATH}sdkmessageprocessingstepimages`,
    body: { ...image, 'sdkmessageprocessingstepid@odata.bind': step },
  };
}

/**
 * What makes a step's images with our alias what we want: ours created or repaired, extra copies
 * deleted; when no image is wanted, ours deleted. Images under other aliases are left alone.
 */
export function alignPostImage(
  images: readonly ImageRow[],
  wanted: PostImageColumns | undefined,
  stepPath: string,
): BatchOperation[] {
  const ours = images.filter((image) => image.entityalias?.toLowerCase() === POST_IMAGE_ALIAS);
  const remove = (image: ImageRow): BatchOperation => ({
    method: 'DELETE',
    url: `${API_PATH}${recordPath('sdkmessageprocessingstepimages', image.sdkmessageprocessingstepimageid)}`,
  });
  if (!wanted) return ours.map(remove);
  const [first, ...extra] = ours;
  if (!first) return [createPostImage(wanted, stepPath)];
  const same =
    first.entityalias === wanted.entityalias &&
    first.imagetype === wanted.imagetype &&
    first.messagepropertyname?.toLowerCase() === wanted.messagepropertyname.toLowerCase() &&
    columnList(first.attributes ?? '') === wanted.attributes;
  const repair: BatchOperation[] = same
    ? []
    : [
        {
          method: 'PATCH',
          url: `${API_PATH}${recordPath('sdkmessageprocessingstepimages', first.sdkmessageprocessingstepimageid)}`,
          headers: { 'If-Match': '*' },
          body: { ...wanted },
        },
      ];
  return [...repair, ...extra.map(remove)];
}

function columnList(text: string): string {
  return [
    ...new Set(
      text
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ]
    .sort()
    .join(',');
}
