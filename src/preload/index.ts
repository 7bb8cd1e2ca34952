/**
 * The sandboxed preload of the FaceVault window: exposes `window.faceVault` (see bridge.ts) through
 * contextBridge. Bundled to CommonJS (sandboxed preloads cannot be ES modules).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { BRIDGE_GLOBAL } from '../shared/ipc-contract.ts';
import { createBridge, type Invoke } from './bridge.ts';

// ipcRenderer.invoke is untyped; the router in main guarantees every reply is a Result of the contract.
const invoke = ((channel: string, ...args: unknown[]) => ipcRenderer.invoke(channel, ...args)) as Invoke;

// Dropped files become paths here, in the preload (webUtils.getPathForFile; File.path is gone since Electron 32).
contextBridge.exposeInMainWorld(
  BRIDGE_GLOBAL,
  createBridge(invoke, (file) => webUtils.getPathForFile(file)),
);
