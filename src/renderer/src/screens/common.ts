import type { UseCamera } from '../camera/use-camera.ts';
import type { Api } from '../ipc/api.ts';
import type { AppModel } from '../state/use-app-model.ts';

/** What every screen gets from the shell. */
export interface ScreenProps {
  readonly api: Api;
  readonly model: AppModel;
  readonly camera: UseCamera;
  /** A screen that shows the preview asks for the camera; it is released when no screen wants it. */
  readonly setPreviewWanted: (wanted: boolean) => void;
}
