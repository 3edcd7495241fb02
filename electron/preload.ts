// The sandboxed preload: only `electron`'s contextBridge and ipcRenderer exist here, so
// scripts/build-electron.mjs bundles this file with the contract (and zod) into one CommonJS file.
import { contextBridge, ipcRenderer } from 'electron';
import { callNames } from '../core/api/contract.ts';
import { createBridge } from './bridge.ts';

contextBridge.exposeInMainWorld('paddock', createBridge(callNames, ipcRenderer));
