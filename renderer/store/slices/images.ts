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
  loadImage(workspace: string): Promise<void>;
}

export const createImagesSlice: SliceCreator<ImagesSlice> = (set, get, client) => ({
  images: {},
  async loadImage(workspace) {
    const put = (info: ImageInfo) => set({ images: { ...get().images, [workspace]: info } });
    if (!get().images[workspace]) put({ status: 'loading' });
    try {
      const layers = await client.call('images.layers', { workspace });
      // Layers come bottom first: the top one was made last, when the image was built.
      put({ status: 'present', image: layers.image, size: layers.size, createdAt: layers.layers.at(-1)?.created ?? null });
    } catch (error) {
      const apiError = asApiError(error);
      put(apiError.code === 'image-not-found' ? { status: 'missing' } : { status: 'error', error: apiError });
    }
  },
});
