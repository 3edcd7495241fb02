import type Docker from 'dockerode';
import type { ConfigEdit } from '../config/edit.ts';
import type { PaddockConfig } from '../config/schema.ts';
import type { ResolvedWorkspace } from '../config/resolve.ts';
import { getInstance, InstanceNotFoundError } from '../instances/index.ts';
import { AllowlistError, allowChange, denyChange, steerRunning, type AllowChange } from '../net/allowlist.ts';
import { netEvents, type NetEvent } from '../net/log.ts';
import { AGENT_PRESETS, ALLOW_PRESETS, LANGUAGE_PRESETS } from '../net/presets.ts';
import type { AllowResult } from './net.contract.ts';
import { apiError } from './errors.ts';
import type { CallContext } from './handlers.ts';

/** A batch goes out when it is this old or this big, whichever comes first. */
const BATCH_MS = 100;
const BATCH_SIZE = 500;

export interface NetHandlerDeps {
  config(): PaddockConfig;
  workspace(name: string): ResolvedWorkspace;
  /** Writes edits to the config file as config.save does (comments kept, conflicts refused). */
  saveEdits(edits: ConfigEdit[]): void;
  withEngine<T>(work: (docker: Docker) => Promise<T>): Promise<T>;
  engineOrNull(): Promise<Docker | null>;
  openSubscription(
    context: CallContext,
    requested: string | undefined,
    run: (signal: AbortSignal, deliver: (events: NetEvent[]) => void) => Promise<void>,
  ): { subscription: string };
  closeSubscription(context: CallContext, subscription: string): { stopped: boolean };
}

export function netHandlers(deps: NetHandlerDeps) {
  async function steer(verb: 'allow' | 'deny', name: string, entry: string): Promise<AllowResult> {
    deps.workspace(name);
    let change: AllowChange;
    try {
      change = (verb === 'allow' ? allowChange : denyChange)(deps.config(), name, entry);
    } catch (error) {
      if (error instanceof AllowlistError) throw apiError('invalid-input', error.message);
      throw error;
    }
    if (change.edits.length) deps.saveEdits(change.edits);
    const docker = await deps.engineOrNull();
    const steered = docker ? await steerRunning(docker, deps.workspace(name)) : { applied: false, appliedInMs: null };
    return { workspace: name, entry: change.entry, key: change.key, changed: change.edits.length > 0, ...steered };
  }

  return {
    'net.presets': () => ({
      presets: Object.entries(ALLOW_PRESETS).map(([name, preset]) => ({ name, title: preset.title, hosts: [...preset.hosts] })),
      forAgent: AGENT_PRESETS,
      forLanguage: LANGUAGE_PRESETS,
    }),
    'net.follow': async ({ workspace: name, history, subscription }: { workspace: string; history: number; subscription?: string }, context: CallContext) => {
      const docker = await deps.withEngine(async (docker) => {
        const instance = await getInstance(docker, name);
        if (!instance?.services.some((service) => service.service === 'firewall')) throw new InstanceNotFoundError(name, 'firewall');
        return docker;
      });
      return deps.openSubscription(context, subscription, async (signal, deliver) => {
        let batch: NetEvent[] = [];
        let timer: ReturnType<typeof setTimeout> | null = null;
        const flush = () => {
          if (timer) clearTimeout(timer);
          timer = null;
          if (batch.length) deliver(batch);
          batch = [];
        };
        try {
          await netEvents(docker, name, { follow: true, tail: history, signal }, (event) => {
            batch.push(event);
            if (batch.length >= BATCH_SIZE) flush();
            else timer ??= setTimeout(flush, BATCH_MS);
          });
        } finally {
          flush();
        }
      });
    },
    'net.unfollow': ({ subscription }: { subscription: string }, context: CallContext) => deps.closeSubscription(context, subscription),
    'net.allow': ({ workspace: name, entry }: { workspace: string; entry: string }) => steer('allow', name, entry),
    'net.deny': ({ workspace: name, entry }: { workspace: string; entry: string }) => steer('deny', name, entry),
  };
}
