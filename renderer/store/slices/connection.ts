import type { CallOutput, DoctorReport, EngineState } from '../../../core/api/contract.ts';
import type { ApiError } from '../../../core/api/contract.ts';
import { asApiError } from '../../api/errors.ts';
import type { ConnectionStatus } from '../../api/transport.ts';
import type { SliceCreator } from '../types.ts';

export type AppInfo = Omit<CallOutput<'app.info'>, 'engine'>;

export interface ConnectionSlice {
  /** The link to Paddock itself (always open over IPC). */
  connection: ConnectionStatus;
  transport: 'ipc' | 'websocket';
  info: AppInfo | null;
  /** The Docker engine behind Paddock: 'connecting' until Paddock says otherwise. */
  engine: EngineState;
  doctor: { report: DoctorReport | null; running: boolean; error: ApiError | null };
  setConnection(status: ConnectionStatus): void;
  loadInfo(): Promise<void>;
  setEngine(engine: EngineState): void;
  /** Asks the engine again now (the Retry of an "engine unavailable" message). */
  checkEngine(): Promise<void>;
  runDoctor(): Promise<void>;
}

export const initialEngine: EngineState = { state: 'connecting', endpoint: null, source: null, message: null, hint: null, since: '' };

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set, get, client) => ({
  connection: client.status(),
  transport: client.transport,
  info: null,
  engine: initialEngine,
  doctor: { report: null, running: false, error: null },
  setConnection: (connection) => set({ connection }),
  async loadInfo() {
    const { engine, ...info } = await client.call('app.info', {});
    set({ info });
    get().setEngine(engine);
  },
  setEngine(engine) {
    const before = get().engine.state;
    set({ engine });
    // Events may have been missed while the engine was away: read the instances afresh.
    if (engine.state === 'connected' && before !== 'connected') void get().loadInstances();
  },
  async checkEngine() {
    try {
      get().setEngine(await client.call('engine.status', {}));
    } catch (error) {
      set({ engine: { ...get().engine, state: 'unavailable', message: asApiError(error).message } });
    }
  },
  async runDoctor() {
    set({ doctor: { ...get().doctor, running: true, error: null } });
    try {
      const report = await client.call('engine.doctor', {});
      set({ doctor: { report, running: false, error: null } });
    } catch (error) {
      set({ doctor: { report: get().doctor.report, running: false, error: asApiError(error) } });
    }
  },
});
