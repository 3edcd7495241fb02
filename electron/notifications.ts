import type { ApiEvent, Instance, OperationKind } from '../core/api/contract.ts';

/** A desktop notification; clicking it opens the workspace's instance view. */
export interface Notice {
  title: string;
  body: string;
  workspace: string;
}

/** How long a stop the app asked for explains containers exiting, if its operation never reports back. */
const STOP_PENDING_MS = 2 * 60_000;
/** After a stop's operation ends, its last container events can still arrive. */
const STOP_GRACE_MS = 10_000;
/** A process killed by SIGTERM (`docker stop`, whoever ran it) exits with 128 + 15: that is a stop, not a crash. */
const SIGTERM_EXIT = 143;
const MAX_BODY = 240;

const STOPPING_CALLS: ReadonlySet<string> = new Set(['workspaces.down', 'workspaces.restart']);
const STOPPING_KINDS: ReadonlySet<OperationKind> = new Set(['down', 'restart']);

const FAILED_TITLE: Record<OperationKind, (workspace: string) => string> = {
  build: (ws) => `${ws}: build failed`,
  up: (ws) => `${ws} did not start`,
  restart: (ws) => `${ws} did not restart`,
  down: (ws) => `${ws} did not stop`,
};

/**
 * Decides which events deserve a desktop notification: a build that finished or failed, an
 * operation that failed, and a workspace whose container died on its own, which it tells from
 * one the app stopped by remembering the app's own stop and restart calls. Time is passed in.
 */
export class NotificationPolicy {
  private readonly instances = new Map<string, Instance>();
  private readonly stopsUntil = new Map<string, number>();

  /** Every call the app makes (window or tray) passes here first. */
  noteCall(name: string, input: unknown, now: number): void {
    const workspace = (input as { workspace?: unknown } | null)?.workspace;
    if (STOPPING_CALLS.has(name) && typeof workspace === 'string') this.stopsUntil.set(workspace, now + STOP_PENDING_MS);
  }

  decide({ event, payload }: ApiEvent, now: number): Notice | null {
    if (event === 'instances.changed') {
      const before = this.instances.get(payload.workspace);
      if (payload.instance) this.instances.set(payload.workspace, payload.instance);
      else this.instances.delete(payload.workspace);
      if (!before || !payload.instance || (this.stopsUntil.get(payload.workspace) ?? 0) > now) return null;
      return diedNotice(before, payload.instance);
    }
    if (event === 'operation.done') {
      const { workspace, kind } = payload;
      if (STOPPING_KINDS.has(kind) && this.stopsUntil.has(workspace)) this.stopsUntil.set(workspace, now + STOP_GRACE_MS);
      if (payload.status === 'failed') {
        const title = payload.error.code === 'build-failed' ? FAILED_TITLE.build(workspace) : FAILED_TITLE[kind](workspace);
        return { title, body: clip(payload.error.message), workspace };
      }
      if (payload.status === 'succeeded' && payload.result.type === 'built') {
        const built = payload.result.built.length;
        return {
          title: `${workspace}: build finished`,
          body: built ? `Built ${built} image${built > 1 ? 's' : ''}; ${payload.result.image} is ready.` : `Everything was up to date; ${payload.result.image} is ready.`,
          workspace,
        };
      }
    }
    return null;
  }
}

/** A container that was running and has now exited with a failure code, if there is one. */
function diedNotice(before: Instance, after: Instance): Notice | null {
  const wasRunning = new Set(before.services.filter((s) => s.state === 'running').map((s) => s.service));
  const died = after.services.find(
    (s) => wasRunning.has(s.service) && (s.state === 'exited' || s.state === 'dead') && s.exitCode !== null && s.exitCode !== 0 && s.exitCode !== SIGTERM_EXIT,
  );
  if (!died) return null;
  return { title: `${after.workspace} stopped unexpectedly`, body: `Its ${died.service} container exited with code ${died.exitCode}.`, workspace: after.workspace };
}

function clip(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > MAX_BODY ? `${line.slice(0, MAX_BODY - 1)}…` : line;
}
