import { useEffect } from 'react';

/** Keeps the camera on while the calling screen (or step) is shown and `on` holds; releases it after. */
export function usePreview(setPreviewWanted: (v: boolean) => void, on = true): void {
  useEffect(() => {
    setPreviewWanted(on);
    return () => setPreviewWanted(false);
  }, [setPreviewWanted, on]);
}
