import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ApiError, NetEvent } from '../../core/api/contract.ts';
import { asApiError, describeError } from '../api/errors.ts';
import { useApp, useClient } from '../store/react.tsx';
import { subscriptionId } from '../lib/subscription-id.ts';

/** Events kept in the view (the server opens with its last 1,000); older ones fall off the top. */
const EVENTS_KEPT = 2000;

interface ShownEvent extends NetEvent {
  key: number;
}

type Filter = 'all' | 'blocked' | 'allowed';

function clock(time: string | null): string {
  if (!time) return '';
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString(undefined, { hour12: false });
}

/** What a row is about: the name when there is one, else the address and port. */
function destination(event: NetEvent): string {
  if (event.kind === 'dns') return event.name ?? '?';
  const address = event.address?.includes(':') ? `[${event.address}]` : (event.address ?? '?');
  return `${address}${event.port !== null ? `:${event.port}` : ''}`;
}

function detail(event: NetEvent): string {
  if (event.kind === 'dns') {
    const answers = event.answers.length ? ` → ${event.answers.join(', ')}` : '';
    return `${event.queryType ?? ''}${answers}${event.reason ? ` — ${event.reason}` : ''}`;
  }
  return `${event.protocol ?? 'ip'}${event.name ? ` (${event.name})` : ''}`;
}

/** What the Allow button of a blocked row lets through: its name, or its address when no name is known. */
function allowTarget(event: NetEvent): string | null {
  if (event.verdict !== 'blocked') return null;
  return event.name ?? event.address;
}

/**
 * A running workspace's network log (net.follow): every DNS query and refused connection, live,
 * with a filter, counts per name, and an Allow button on blocked rows that calls net.allow (saved
 * in the config, applied to the running firewall).
 */
export function NetworkLog({ workspace, running }: { workspace: string; running: boolean }) {
  const client = useClient();
  const connection = useApp((state) => state.connection);
  const [events, setEvents] = useState<ShownEvent[]>([]);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [filter, setFilter] = useState<Filter>('all');
  const [query, setQuery] = useState('');
  const [allowing, setAllowing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const nextKey = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const searchId = useId();
  const filterId = useId();

  useEffect(() => {
    if (connection !== 'open' || !running) return;
    const subscription = subscriptionId('net');
    const stopListening = client.onEvent((message) => {
      if (message.event === 'net.events' && message.payload.subscription === subscription) {
        const batch = message.payload.events.map((event) => ({ ...event, key: nextKey.current++ }));
        setEvents((current) => {
          const next = current.concat(batch);
          return next.length > EVENTS_KEPT ? next.slice(next.length - EVENTS_KEPT) : next;
        });
      } else if (message.event === 'net.ended' && message.payload.subscription === subscription && message.payload.error) {
        setProblem(message.payload.error);
      }
    });
    setEvents([]);
    setProblem(null);
    client.call('net.follow', { workspace, subscription }).catch((error: unknown) => setProblem(asApiError(error)));
    return () => {
      stopListening();
      client.call('net.unfollow', { subscription }).catch(() => undefined);
    };
  }, [client, workspace, connection, running, attempt]);

  const needle = query.trim().toLowerCase();
  const shown = useMemo(
    () => events.filter((event) => (filter === 'all' || event.verdict === filter) && (!needle || destination(event).toLowerCase().includes(needle) || (event.address ?? '').includes(needle))),
    [events, filter, needle],
  );
  const counts = useMemo(() => {
    const byName = new Map<string, { allowed: number; blocked: number }>();
    for (const event of events) {
      const key = event.name ?? event.address ?? '?';
      const entry = byName.get(key) ?? { allowed: 0, blocked: 0 };
      entry[event.verdict]++;
      byName.set(key, entry);
    }
    return [...byName].sort((a, b) => b[1].blocked - a[1].blocked || b[1].allowed + b[1].blocked - (a[1].allowed + a[1].blocked)).slice(0, 8);
  }, [events]);

  useEffect(() => {
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [shown]);

  async function allow(entry: string) {
    setAllowing(entry);
    setNotice(null);
    try {
      const result = await client.call('net.allow', { workspace, entry });
      setNotice(`${result.entry} is allowed${result.changed ? ` (added to ${result.key})` : ''}${result.applied ? '; the running workspace has it now.' : '; it applies when the workspace starts.'}`);
    } catch (error) {
      setNotice(describeError(asApiError(error)).title);
    } finally {
      setAllowing(null);
    }
  }

  if (!running) return <p className="logs-status">Not running: start the workspace to see its network log.</p>;
  return (
    <div className="logs net-log">
      <div className="logs-toolbar">
        <div className="logs-search">
          <label htmlFor={searchId} className="visually-hidden">
            Search the network log
          </label>
          <input id={searchId} className="input" type="search" placeholder="Filter by name or address" value={query} onChange={(event) => setQuery(event.target.value)} spellCheck={false} />
        </div>
        <label htmlFor={filterId} className="visually-hidden">
          Show
        </label>
        <select id={filterId} className="input select input-short" value={filter} onChange={(event) => setFilter(event.target.value as Filter)}>
          <option value="all">Everything</option>
          <option value="blocked">Blocked</option>
          <option value="allowed">Allowed</option>
        </select>
        <span className="logs-count text-muted" aria-live="polite">
          {shown.length === events.length ? `${events.length} events` : `${shown.length} of ${events.length} events`}
        </span>
      </div>
      {counts.length > 0 && (
        <ul className="net-counts" aria-label="Counts per name">
          {counts.map(([name, count]) => (
            <li key={name}>
              <span className="net-count-name">{name}</span> <span className="net-count-allowed">{count.allowed} allowed</span>
              {count.blocked > 0 && <span className="net-count-blocked"> · {count.blocked} blocked</span>}
            </li>
          ))}
        </ul>
      )}
      {(problem || notice) && (
        <p className="logs-status" role="status">
          {problem ? describeError(problem).title : notice}{' '}
          {problem && (
            <button type="button" className="link-button" onClick={() => setAttempt((value) => value + 1)}>
              Follow again
            </button>
          )}
        </p>
      )}
      <div className="logs-output" ref={scroller} tabIndex={0} role="log" aria-label={`Network log of ${workspace}`} aria-live="off">
        {shown.length === 0 ? (
          <p className="logs-empty">{events.length === 0 ? 'No network activity yet.' : 'No event matches.'}</p>
        ) : (
          shown.map((event) => {
            const target = allowTarget(event);
            return (
              <div key={event.key} className={`log-line net-line net-${event.verdict}`} data-verdict={event.verdict}>
                <span className="log-time">{clock(event.time)}</span>
                <span className="log-service">{event.kind}</span>
                <span className="log-text">
                  <span className="net-verdict">{event.verdict}</span> {destination(event)} <span className="text-muted">{detail(event)}</span>
                </span>
                {target && (
                  <button type="button" className="button button-quiet net-allow" disabled={allowing !== null} onClick={() => void allow(target)}>
                    Allow {target}
                  </button>
                )}
              </div>
            );
          })
        )}
      </div>
    </div>
  );
}
