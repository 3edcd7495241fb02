/**
 * Version strings as projects write them, turned into what an overlay can install. Pure, like
 * the overlay writer that uses them.
 */

/** The Node.js major of Paddock's `full` base: what a project that names no version gets. */
const DEFAULT_NODE_MAJOR = 22;
const DEFAULT_JAVA_MAJOR = 21;

const NODE_CODENAMES: Record<string, number> = { argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24 };

/** An exact Node.js release, or the range of majors that satisfy the project (max null: no upper bound). */
export type NodeRequirement = { exact: string } | { min: number; max: number | null };

/**
 * What `.nvmrc`, `.node-version` or `engines.node` ask for: `v20.11.1` is exact; `20`, `lts/iron`,
 * `^20.11` and `20.x` mean major 20; `>=18` means 18 or newer. Semver is read at the level of
 * majors, which is what picking a Node.js build needs; `||` alternatives are joined into one range.
 */
export function nodeRequirement(spec: string): NodeRequirement | null {
  const value = spec.trim().replace(/^node@/, '').replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1');
  const exact = /^v?(\d+\.\d+\.\d+)$/.exec(value);
  if (exact?.[1]) return { exact: exact[1] };
  const lts = /^lts\/(.+)$/i.exec(value);
  if (lts?.[1]) {
    const major = NODE_CODENAMES[lts[1].toLowerCase()];
    return major ? { min: major, max: major } : { min: 0, max: null };
  }
  if (/^(node|stable|latest|current|\*|x)?$/i.test(value)) return { min: 0, max: null };
  let min = Infinity;
  let max: number | null = -Infinity;
  for (const alternative of value.split('||')) {
    const range = majorRange(alternative.trim());
    if (!range) return null;
    min = Math.min(min, range.min);
    max = max === null || range.max === null ? null : Math.max(max, range.max);
  }
  return Number.isFinite(min) && (max === null || max >= min) ? { min, max } : null;
}

function majorRange(alternative: string): { min: number; max: number | null } | null {
  const hyphen = /^v?(\d+)\S*\s+-\s+v?(\d+)\S*$/.exec(alternative);
  if (hyphen) return { min: Number(hyphen[1]), max: Number(hyphen[2]) };
  let min = 0;
  let max: number | null = null;
  for (const comparator of alternative.split(/\s+/).filter(Boolean)) {
    const match = /^(>=|<=|>|<|\^|~|=)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
    if (!match) return null;
    const [, op = '', majorText = '', minor, patch] = match;
    if (majorText === 'x' || majorText === '*') continue;
    const major = Number(majorText);
    const below = Number(minor ?? 0) > 0 || Number(patch ?? 0) > 0;
    if (op === '>=') min = Math.max(min, major);
    else if (op === '>') min = Math.max(min, minor === undefined ? major + 1 : major);
    else if (op === '<=') max = max === null ? major : Math.min(max, major);
    else if (op === '<') max = Math.min(max ?? Infinity, below ? major : major - 1);
    else {
      min = Math.max(min, major);
      max = max === null ? major : Math.min(max, major);
    }
  }
  return { min, max };
}

/** The Node.js major to install when the base's does not fit: the newest the range allows, else the default. */
export function nodeMajor(requirement: { min: number; max: number | null }): number {
  if (requirement.max !== null) return requirement.max;
  return Math.max(requirement.min, DEFAULT_NODE_MAJOR);
}

/** `golang:<tag>` for go.mod's `go 1.22` or `toolchain go1.22.3`; the newest Go 1 otherwise. */
export function goImageTag(version: string | null): string {
  return version && /^\d+\.\d+(\.\d+|rc\d+)?$/.test(version) ? version : '1';
}

/** `rust:<tag>-slim` for a numbered channel (`1.83.0`, `1.83`); the newest stable otherwise. */
export function rustImageTag(channel: string | null): string {
  return channel && /^\d+\.\d+(\.\d+)?$/.test(channel) ? channel : '1';
}

/** The Java major of `17`, `1.8`, `17.0.2` or `21-tem`. */
export function javaMajor(version: string | null): number {
  const match = /^(?:1\.)?(\d+)/.exec(version ?? '');
  return match?.[1] ? Number(match[1]) : DEFAULT_JAVA_MAJOR;
}
