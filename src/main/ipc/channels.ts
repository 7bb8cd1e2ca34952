/**
 * Binds each channel of the contract to its schema, bounds and handler. The only place that says how
 * large and how frequent each call may be. Handlers receive already-validated payloads.
 */
import { FRAME_MAX_BYTES, FRAME_MAX_FPS } from '../../shared/frame-limits.ts';
import type { AppStatus } from '../../shared/ipc-contract.ts';
import type { FrameSink } from '../camera/frame-sink.ts';
import type { ChannelSpecs } from './router.ts';
import { requestSchemas } from './schemas.ts';

export interface ChannelDeps {
  readonly status: () => AppStatus;
  readonly frames: FrameSink;
}

export function channelSpecs(deps: ChannelDeps): ChannelSpecs {
  return {
    'app:get-status': {
      schema: requestSchemas['app:get-status'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => deps.status(),
    },
    'camera:submit-frame': {
      schema: requestSchemas['camera:submit-frame'],
      // The frame plus its small metadata object.
      maxBytes: FRAME_MAX_BYTES + 1024,
      // A little headroom over the renderer's pump so timer jitter never drops honest frames.
      rate: { perSecond: FRAME_MAX_FPS + 3, burst: 3 },
      exclusive: true,
      handler: async ([meta, pixels]) => deps.frames.submit(meta, pixels),
    },
  };
}
