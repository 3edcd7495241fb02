import type { ApiError } from '../../../core/api/contract.ts';
import { asApiError } from '../../api/errors.ts';
import type { SliceCreator } from '../types.ts';

/** A workspace's image as the engine has it: when it was built and how big it is. */
export type ImageInfo =
  | { status: 'loading' }
  | { status: 'present'; image: string; size: number; createdAt: string | null }
  | { status: 'missing' }
  | { status: 'error'; error: ApiError };

export interface ImagesSlice {
  images: Record<string, ImageInfo>;
  /** Reads these workspaces' images, all in one call. */
  loadImages(workspaces: string[]): Promise<void>;
}

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get, client) => ({
  images: {},
  async loadImages(workspaces) {
    if (workspaces.length === 0) return;
    const unknown = workspaces.filter((name) => !get().images[name]);
    if (unknown.length) set({ images: { ...get().images, ...Object.fromEntries(unknown.map((name) => [name, { status: 'loading' } as const])) } });
    let read: Record<string, ImageInfo>;
    try {
      const { images } = await client.call('images.summaries', { workspaces });
      read = Object.fromEntries(
        Object.entries(images).map(([name, summary]): [string, ImageInfo] => [
          name,
          summary.status === 'present'
            ? { status: 'present', image: summary.image, size: summary.size, createdAt: summary.createdAt }
            : summary.status === 'missing'
              ? { status: 'missing' }
              : { status: 'error', error: summary.error },
        ]),
      );
    } catch (error) {
      const failure: ImageInfo = { status: 'error', error: asApiError(error) };
      read = Object.fromEntries(workspaces.map((name) => [name, failure]));
    }
    set({ images: { ...get().images, ...read } });
  },
});
