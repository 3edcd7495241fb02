import { useEffect, useId, useRef, useState } from 'react';
import type { ApiError, CallOutput } from '../../core/api/contract.ts';
import { asApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { formatBytes } from '../lib/format.ts';
import { subscriptionId } from '../lib/subscription-id.ts';
import { useClient } from '../store/react.tsx';

type Listing = CallOutput<'images.layerFiles'>;
type Files =
  | { status: 'loading'; request: string }
  | { status: 'loaded'; listing: Listing }
  | { status: 'cancelled' }
  | { status: 'error'; error: ApiError };

/** Rows drawn at once: enough to scroll through, few enough that a 10 000-file layer stays smooth. */
export const ROWS_SHOWN = 2000;

const TYPE_LABELS: Record<Listing['files'][number]['type'], string> = { file: '', directory: 'folder', symlink: 'link', link: 'hard link', other: 'special' };

/**
 * The files a layer adds, changes or deletes, read when the layer is opened. The first list of an
 * image exports the whole image once (seconds for a big one), so it can be cancelled; closing the
 * layer cancels it too.
 */
export function LayerFiles({ image, index }: { image: string; index: number }) {
  const client = useClient();
  const filterId = useId();
  const [files, setFiles] = useState<Files>({ status: 'cancelled' });
  const [filter, setFilter] = useState('');
  const pending = useRef<string | null>(null);

  const load = () => {
    const request = subscriptionId('layer-files');
    pending.current = request;
    setFiles({ status: 'loading', request });
    client.call('images.layerFiles', { image, index, request }).then(
      (listing) => {
        if (pending.current !== request) return;
        pending.current = null;
        setFiles({ status: 'loaded', listing });
      },
      (failure: unknown) => {
        if (pending.current !== request) return;
        pending.current = null;
        const error = asApiError(failure);
        setFiles(error.code === 'cancelled' ? { status: 'cancelled' } : { status: 'error', error });
      },
    );
  };

  const cancel = () => {
    const request = pending.current;
    if (!request) return;
    pending.current = null;
    setFiles({ status: 'cancelled' });
    void client.call('images.cancelLayerFiles', { request }).catch(() => undefined);
  };

  useEffect(() => {
    load();
    return () => {
      const request = pending.current;
      pending.current = null;
      if (request) void client.call('images.cancelLayerFiles', { request }).catch(() => undefined);
    };
    // Read once per opening: the parent mounts this when the layer is expanded.
  }, []);

  if (files.status === 'loading') {
    return (
      <div className="layer-files-status" role="status">
        <span className="spinner" aria-hidden="true" />
        <span>Reading the layer’s files… The first layer of an image takes longest: Paddock reads the whole image once.</span>
        <button type="button" className="button button-small" onClick={cancel}>
          Cancel
        </button>
      </div>
    );
  }
  if (files.status === 'cancelled') {
    return (
      <div className="layer-files-status">
        <span className="text-muted">The file list was not read.</span>
        <button type="button" className="button button-small" onClick={load}>
          List the files
        </button>
      </div>
    );
  }
  if (files.status === 'error') {
    return (
      <ErrorNotice
        error={files.error}
        compact
        onRetry={load}
      />
    );
  }

  const { listing } = files;
  if (listing.total === 0) return <p className="text-muted">This step changed no files: it only set metadata (an environment variable, a label, the working folder…).</p>;
  const needle = filter.trim().toLowerCase();
  const matching = needle ? listing.files.filter((file) => file.path.toLowerCase().includes(needle)) : listing.files;
  const shown = matching.slice(0, ROWS_SHOWN);
  const deleted = listing.files.filter((file) => file.deleted).length;
  return (
    <div className="layer-files">
      <div className="layer-files-toolbar">
        <label className="visually-hidden" htmlFor={filterId}>
          Filter the files of this layer
        </label>
        <input id={filterId} className="input layer-files-filter" type="search" placeholder="Filter by path" value={filter} onChange={(event) => setFilter(event.target.value)} autoComplete="off" spellCheck={false} />
        <span className="text-muted layer-files-count" aria-live="polite">
          {needle ? `${matching.length} of ${listing.files.length} match` : `${listing.total} ${listing.total === 1 ? 'entry' : 'entries'}`}
          {deleted > 0 && `, ${deleted} deleted`}
        </span>
      </div>
      {listing.total > listing.files.length && (
        <p className="text-muted layer-files-note">
          The layer has {listing.total.toLocaleString()} entries; the first {listing.files.length.toLocaleString()} are listed here.
        </p>
      )}
      <ul className="layer-files-list" aria-label="Files of this layer">
        {shown.map((file, index) => (
          // A layer may list a path twice (a whiteout and a new entry): the position keeps keys unique.
          <li key={`${index}:${file.path}`} className={`layer-file${file.deleted ? ' layer-file-deleted' : ''}`}>
            {file.deleted ? (
              <>
                <del className="mono">{file.path}</del>
                <span className="tag tag-danger">deleted</span>
              </>
            ) : (
              <>
                <span className="mono">{file.path}</span>
                {TYPE_LABELS[file.type] && <span className="tag">{TYPE_LABELS[file.type]}</span>}
                {file.type === 'file' && <span className="layer-file-size">{formatBytes(file.size)}</span>}
              </>
            )}
          </li>
        ))}
      </ul>
      {matching.length > shown.length && (
        <p className="text-muted layer-files-note">
          {(matching.length - shown.length).toLocaleString()} more not shown: type in the filter to narrow the list.
        </p>
      )}
      {needle && matching.length === 0 && <p className="text-muted">No path matches.</p>}
    </div>
  );
}
