import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ApiError, LogLine } from '../../core/api/contract.ts';
import { visibleControls } from '../../core/api/terminal-text.ts';
import { asApiError, describeError } from '../api/errors.ts';
import { useApp, useClient } from '../store/react.tsx';
import { subscriptionId } from '../lib/subscription-id.ts';

/** Lines kept in the view; older ones fall off the top, as in a terminal's scrollback. */
const LINES_KEPT = 5000;
const INITIAL_TAIL = 300;

interface ShownLine extends LogLine {
  key: number;
}

function clock(time: string | null): string {
  if (!time) return '';
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString(undefined, { hour12: false });
}

function highlighted(text: string, query: string): ReactNode {
  if (!query) return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(query, from); at >= 0; at = lower.indexOf(query, from)) {
    parts.push(text.slice(from, at), <mark key={at}>{text.slice(at, at + query.length)}</mark>);
    from = at + query.length;
  }
  parts.push(text.slice(from));
  return parts;
}

/**
 * Follows a workspace's logs through a subscription of its own (logs.follow): the lines come as
 * events for this window only. It follows again when the connection comes back, and stops
 * following when the view closes.
 */
export function LogViewer({ workspace, services, running }: { workspace: string; services: string[]; running: boolean }) {
  const client = useClient();
  const connection = useApp((state) => state.connection);
  const [lines, setLines] = useState<ShownLine[]>([]);
  const [ended, setEnded] = useState<{ error: ApiError | null } | null>(null);
  const [followError, setFollowError] = useState<ApiError | null>(null);
  const [query, setQuery] = useState('');
  const [service, setService] = useState('');
  const [follow, setFollow] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const nextKey = useRef(0);
  const searchId = useId();
  const serviceId = useId();

  useEffect(() => {
    if (connection !== 'open' || !running) return;
    const subscription = subscriptionId('logs');
    let pending: ShownLine[] = [];
    let frame = 0;
    // Lines arrive in bursts; one render per frame keeps a chatty container from freezing the page.
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setLines((current) => {
        const next = current.concat(batch);
        return next.length > LINES_KEPT ? next.slice(next.length - LINES_KEPT) : next;
      });
    };
    const stopListening = client.onEvent((message) => {
      if (message.event === 'logs.line' && message.payload.subscription === subscription) {
        // The agent wrote this text: its escape sequences are shown as symbols, never obeyed (and searched as shown).
        const line = message.payload.line;
        pending.push({ ...line, line: visibleControls(line.line), key: nextKey.current++ });
        if (!frame) frame = requestAnimationFrame(flush);
      } else if (message.event === 'logs.ended' && message.payload.subscription === subscription) {
        setEnded({ error: message.payload.error });
      }
    });
    setLines([]);
    setEnded(null);
    setFollowError(null);
    client.call('logs.follow', { workspace, tail: INITIAL_TAIL, subscription }).catch((error: unknown) => setFollowError(asApiError(error)));
    return () => {
      stopListening();
      cancelAnimationFrame(frame);
      client.call('logs.unfollow', { subscription }).catch(() => undefined);
    };
  }, [client, workspace, connection, running, attempt]);

  const needle = query.trim().toLowerCase();
  const shown = useMemo(() => lines.filter((line) => (!service || line.service === service) && (!needle || line.line.toLowerCase().includes(needle))), [lines, service, needle]);

  useEffect(() => {
    if (follow && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [shown, follow]);

  // Scrolling up to read stops following; scrolling back to the end follows again.
  const onScroll = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    setFollow(atEnd);
  }, []);

  const status = followError ? describeError(followError).title : ended ? (ended.error ? describeError(ended.error).title : 'The log stream ended.') : !running ? 'Not running: start the workspace to see its output.' : null;

  return (
    <div className="logs">
      <div className="logs-toolbar">
        <div className="logs-search">
          <label htmlFor={searchId} className="visually-hidden">
            Search the logs
          </label>
          <input id={searchId} className="input" type="search" placeholder="Search the logs" value={query} onChange={(event) => setQuery(event.target.value)} spellCheck={false} />
        </div>
        <label htmlFor={serviceId} className="visually-hidden">
          Show the logs of
        </label>
        <select id={serviceId} className="input select input-short" value={service} onChange={(event) => setService(event.target.value)}>
          <option value="">All services</option>
          {services.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <label className="checkbox">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} />
          Follow
        </label>
        <span className="logs-count text-muted" aria-live="polite">
          {needle || service ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}
        </span>
      </div>
      {status && (
        <p className="logs-status" role="status">
          {status}{' '}
          {running && (ended || followError) && (
            <button type="button" className="link-button" onClick={() => setAttempt((value) => value + 1)}>
              Follow again
            </button>
          )}
        </p>
      )}
      <div className="logs-output" ref={scroller} onScroll={onScroll} tabIndex={0} role="log" aria-label={`Output of ${workspace}`} aria-live="off">
        {shown.length === 0 ? (
          <p className="logs-empty">{lines.length === 0 ? (running ? 'No output yet.' : 'No output.') : 'No line matches.'}</p>
        ) : (
          shown.map((line) => (
            <div key={line.key} className={`log-line${line.stream === 'stderr' ? ' log-line-stderr' : ''}`}>
              <span className="log-time">{clock(line.time)}</span>
              <span className="log-service">{line.service}</span>
              <span className="log-text">{highlighted(line.line, needle)}</span>
            </div>
          ))
        )}
      </div>
    </div>
  );
}
