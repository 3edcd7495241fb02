import { useEffect, useState } from 'react';
import type { InstanceStats } from '../../core/api/contract.ts';
import { describeError, asApiError } from '../api/errors.ts';
import { subscriptionId } from '../lib/subscription-id.ts';
import { useApp, useClient } from '../store/react.tsx';

export interface StatsSample {
  at: number;
  stats: InstanceStats;
}

const SAMPLES_KEPT = 60;

/**
 * CPU and memory over the last minute, for the sparklines: a stats.follow subscription of this
 * window's own, fed by the engine's stats stream (about one sample a second), while the view is
 * open, the tab is visible and the service runs. It follows again when the connection comes back.
 */
export function useStatsSamples(workspace: string, service: string, active: boolean): { samples: StatsSample[]; error: string | null } {
  const client = useClient();
  const connection = useApp((state) => state.connection);
  const [samples, setSamples] = useState<StatsSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');

  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);

  useEffect(() => {
    setSamples([]);
  }, [workspace, service]);

  useEffect(() => {
    if (!active || !visible || connection !== 'open') return;
    const subscription = subscriptionId('stats');
    const stopListening = client.onEvent((message) => {
      if (message.event === 'stats.sample' && message.payload.subscription === subscription) {
        const { stats } = message.payload;
        setError(null);
        if (stats.running) setSamples((current) => [...current.slice(-(SAMPLES_KEPT - 1)), { at: Date.now(), stats }]);
      } else if (message.event === 'stats.ended' && message.payload.subscription === subscription && message.payload.error) {
        setError(describeError(message.payload.error).title);
      }
    });
    client.call('stats.follow', { workspace, service, subscription }).catch((failure: unknown) => setError(describeError(asApiError(failure)).title));
    return () => {
      stopListening();
      client.call('stats.unfollow', { subscription }).catch(() => undefined);
    };
  }, [client, workspace, service, active, visible, connection]);

  return { samples, error };
}
