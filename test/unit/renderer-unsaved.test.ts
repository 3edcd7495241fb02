import { afterEach, describe, expect, it, vi } from 'vitest';
import { guardUnsavedChanges, holdUnsavedChanges, type GuardedWindow } from '../../renderer/lib/unsaved.ts';

/** A window with a hash, a history and a confirm() that answers as told, recording the questions. */
function fakeWindow(answer: boolean) {
  const events = new EventTarget();
  const win = {
    location: { hash: '#/workspaces/web/dockerfile' },
    history: { state: null, replaceState: vi.fn((_state: unknown, _unused: string, url: string) => (win.location.hash = url)) },
    confirm: vi.fn((_message: string) => answer),
    addEventListener: (type: string, listener: (event: Event) => void) => events.addEventListener(type, listener),
  } satisfies GuardedWindow;
  /** What a click on a link does: the hash changes, then the event fires. */
  const follow = (hash: string) => {
    win.location.hash = hash;
    events.dispatchEvent(new Event('hashchange'));
  };
  const unload = () => {
    const event = new Event('beforeunload', { cancelable: true });
    events.dispatchEvent(event);
    return event.defaultPrevented;
  };
  guardUnsavedChanges(win);
  return { win, follow, unload };
}

describe('leaving a view with unsaved changes', () => {
  const releases: Array<() => void> = [];
  afterEach(() => releases.splice(0).forEach((release) => release()));

  it('asks nothing when nothing is unsaved', () => {
    const { win, follow, unload } = fakeWindow(false);
    follow('#/');
    expect(win.confirm).not.toHaveBeenCalled();
    expect(win.location.hash).toBe('#/');
    expect(unload()).toBe(false);
  });

  it('stays, with the old address back, when the user keeps editing', () => {
    const { win, follow } = fakeWindow(false);
    releases.push(holdUnsavedChanges('web’s Dockerfile'));
    follow('#/');
    expect(win.confirm).toHaveBeenCalledWith('You have unsaved changes to web’s Dockerfile. Leave and discard them?');
    expect(win.location.hash).toBe('#/workspaces/web/dockerfile');
  });

  it('leaves when the user agrees, and asks again from the new place', () => {
    const { win, follow } = fakeWindow(true);
    const release = holdUnsavedChanges('the defaults');
    follow('#/settings');
    expect(win.location.hash).toBe('#/settings');
    expect(win.history.replaceState).not.toHaveBeenCalled();
    release();
    follow('#/');
    expect(win.confirm).toHaveBeenCalledTimes(1);
  });

  it('names everything unsaved, and has the browser ask before a reload or close', () => {
    const { win, follow, unload } = fakeWindow(false);
    releases.push(holdUnsavedChanges('web’s settings'), holdUnsavedChanges('the new workspace'));
    follow('#/');
    expect(win.confirm).toHaveBeenCalledWith('You have unsaved changes to web’s settings and the new workspace. Leave and discard them?');
    expect(unload()).toBe(true);
  });
});
