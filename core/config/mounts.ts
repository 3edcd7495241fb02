import path from 'node:path';
import { expandHome, isAbsoluteHostPath, normalizeHostPath } from './paths.ts';

export interface MountSpec {
  /** Host path, `~` expanded and normalized; empty for a removal entry. */
  host: string;
  /** Container path, normalized (so `..` cannot climb out of an allowed folder). */
  container: string;
  readOnly: boolean;
  /** `":/container"`: removes an inherited mount with that container path. */
  removal: boolean;
}

export type MountParse = { ok: true; mount: MountSpec } | { ok: false; message: string };

const driveLetter = /^[A-Za-z]:[\\/]/;

/** Parses `host:container[:ro|rw]`; a Windows drive letter in the host part is not a separator. */
export function parseMount(spec: string, home: string): MountParse {
  const drive = driveLetter.test(spec) ? spec.slice(0, 2) : '';
  const parts = spec.slice(drive.length).split(':');
  if (parts.length < 2 || parts.length > 3) {
    return { ok: false, message: `invalid mount "${spec}": expected host:container[:ro|rw]` };
  }
  const host = drive + (parts[0] ?? '');
  const container = parts[1] ?? '';
  const mode = parts[2];
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') {
    return { ok: false, message: `invalid mount "${spec}": the mode must be ro or rw, got "${mode}"` };
  }
  if (!container.startsWith('/')) {
    return { ok: false, message: `invalid mount "${spec}": the container path "${container}" must be absolute (start with /)` };
  }
  const removal = host === '';
  if (!removal && !isAbsoluteHostPath(expandHome(host, home))) {
    return { ok: false, message: `invalid mount "${spec}": the host path "${host}" must be absolute or start with ~/` };
  }
  const normalizedContainer = path.posix.normalize(container).replace(/(.)\/$/, '$1');
  return {
    ok: true,
    mount: {
      host: removal ? '' : normalizeHostPath(host, home),
      container: normalizedContainer,
      readOnly: mode === 'ro',
      removal,
    },
  };
}
