/**
 * Binds each channel of the contract to its schema, bounds and handler. The only place that says how
 * large and how frequent each call may be. Handlers receive already-validated payloads.
 */
import { FRAME_MAX_BYTES, FRAME_MAX_FPS } from '../../shared/frame-limits.ts';
import type { AppStatus } from '../../shared/ipc-contract.ts';
import type { FaceFlow } from '../auth/face-flow.ts';
import type { FrameSink } from '../camera/frame-sink.ts';
import type { ChannelSpecs } from './router.ts';
import { requestSchemas } from './schemas.ts';
import type { Vault } from '../vault/vault.ts';
import { vaultChannelSpecs } from './vault-channels.ts';

export interface ChannelDeps {
  readonly status: () => AppStatus;
  readonly frames: FrameSink;
  /** Every named flow call awaits the models and the face-auth keys itself (typed error result if not ready). */
  readonly flow: FaceFlow;
  /** The vault (created on first use once the device keys are open; typed error result otherwise). */
  readonly vault: () => Promise<Vault>;
}

/** Small control calls: a human clicks them, so a few per second is plenty. */
const control = { maxBytes: 64, rate: { perSecond: 5, burst: 5 }, exclusive: true } as const;

export function channelSpecs(deps: ChannelDeps): ChannelSpecs {
  return {
    ...vaultChannelSpecs({ vault: deps.vault }),
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
    'face:get-enrolment': {
      schema: requestSchemas['face:get-enrolment'],
      ...control,
      handler: async () => deps.flow.status(),
    },
    'face:start-enrolment': {
      schema: requestSchemas['face:start-enrolment'],
      ...control,
      handler: async () => deps.flow.startEnrolment(),
    },
    'face:start-unlock': {
      schema: requestSchemas['face:start-unlock'],
      ...control,
      handler: async () => deps.flow.startUnlock(),
    },
    'face:cancel': {
      schema: requestSchemas['face:cancel'],
      ...control,
      handler: async () => deps.flow.cancel(),
    },
    'face:delete-enrolment': {
      schema: requestSchemas['face:delete-enrolment'],
      ...control,
      handler: async () => deps.flow.deleteEnrolment(),
    },
    // Held open until the flow ends (at most AWAIT_DECISION_MAX_MS); one call at a time per window.
    'face:await-decision': {
      schema: requestSchemas['face:await-decision'],
      ...control,
      handler: async () => deps.flow.awaitDecision(),
    },
  };
}
