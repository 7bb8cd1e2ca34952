/**
 * Electron glue: the OS file / folder picker (dialog.showOpenDialog) as the PathPicker of the file-lock
 * service. Thin on purpose: main decides what the dialog may return (absolute paths only; the service and
 * the engine check everything else).
 */
import { dialog, type BrowserWindow } from 'electron';
import type { PathPicker } from './file-lock-service.ts';

export function electronFilePicker(window: () => BrowserWindow | null): PathPicker {
  return {
    async pick(kind) {
      const options: Electron.OpenDialogOptions = {
        title: kind === 'folder' ? 'Choose a folder to lock' : 'Choose files to lock',
        buttonLabel: 'Lock',
        properties:
          kind === 'folder'
            ? ['openDirectory', 'dontAddToRecent']
            : ['openFile', 'multiSelections', 'dontAddToRecent'],
      };
      const w = window();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? [] : r.filePaths;
    },
  };
}
