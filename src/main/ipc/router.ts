/**
 * The one door into the main process. Every IPC channel is registered here with a spec, and every call
 * goes through `dispatch`, which in this order:
 *   1. refuses unknown channels                         → IPC_UNKNOWN_CHANNEL
 *   2. refuses senders that are not the app's own top frame → IPC_UNTRUSTED_SENDER
 *   3. refuses calls over the channel's rate             → IPC_RATE_LIMITED
 *   4. refuses payloads over the channel's byte / element / depth bounds, in O(1) per argument before
 *      any deep walk (payload-size.ts)                  → IPC_PAYLOAD_TOO_LARGE
 *   5. refuses a second concurrent call on an exclusive channel (back-pressure) → IPC_BUSY
 *   6. validates the payload with the channel's zod schema → IPC_INVALID_PAYLOAD
 *   7. runs the handler; a FaceVaultError becomes its typed error result, anything else IPC_INTERNAL.
 * Rate first: a flood costs one token-bucket lookup per call, whatever it carries; then size, so the schema
 * (which walks the payload) only ever sees payloads within the channel's bounds.
 * It never throws: the reply is always a `Result`. It never logs payloads (they may hold frames).
 * Transport-agnostic: Electron's ipcMain (electron-ipc-adapter.ts) and the e2e test transport both call it.
 */
import type { z } from 'zod';
import type { IpcChannel, IpcRequest, IpcResponse } from '../../shared/ipc-contract.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { checkPayloadSize, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS } from './payload-size.ts';
import { RateLimiter, type Clock, type RateSpec } from './rate-limit.ts';
import { isTrustedSender, type SenderInfo } from './sender-policy.ts';

export interface HandlerContext {
  readonly sender: SenderInfo;
}

export interface ChannelSpec<C extends IpcChannel> {
  readonly schema: z.ZodType<IpcRequest<C>>;
  readonly maxBytes: number;
  /** Array elements + object keys allowed across the request (default DEFAULT_MAX_ITEMS). */
  readonly maxItems?: number;
  readonly rate: RateSpec;
  /** At most one call in flight per sender: a second one is refused, not queued. */
  readonly exclusive: boolean;
  readonly handler: (args: IpcRequest<C>, ctx: HandlerContext) => Promise<IpcResponse<C>>;
}

export type ChannelSpecs = { readonly [C in IpcChannel]: ChannelSpec<C> };

export interface RouterOptions {
  readonly trustedOrigins: readonly string[];
  readonly specs: ChannelSpecs;
  readonly now?: Clock;
  /** Receives only codes and channel names, never payloads. */
  readonly onRejected?: (channel: string, code: string) => void;
  readonly onInternalError?: (channel: string, error: unknown) => void;
}

export interface IpcRouter {
  readonly channels: readonly IpcChannel[];
  dispatch(channel: string, sender: SenderInfo, args: readonly unknown[]): Promise<Result<unknown>>;
}

const isChannel = (specs: ChannelSpecs, c: string): c is IpcChannel => Object.hasOwn(specs, c);

export function createIpcRouter(opts: RouterOptions): IpcRouter {
  const limiter = new RateLimiter(opts.now);
  const inFlight = new Set<string>();
  const channels = Object.keys(opts.specs).filter((c) => isChannel(opts.specs, c));

  const reject = (channel: string, r: Result<unknown>): Result<unknown> => {
    if (!r.ok) opts.onRejected?.(channel, r.error.code);
    return r;
  };

  async function run<C extends IpcChannel>(
    channel: C,
    spec: ChannelSpec<C>,
    sender: SenderInfo,
    args: readonly unknown[],
  ): Promise<Result<unknown>> {
    const key = `${sender.id}\u0000${channel}`;
    if (!limiter.take(key, spec.rate)) {
      return reject(channel, err('IPC_RATE_LIMITED', `more than ${spec.rate.perSecond} calls per second`));
    }
    const size = checkPayloadSize(args, {
      maxBytes: spec.maxBytes,
      maxItems: spec.maxItems ?? DEFAULT_MAX_ITEMS,
      maxDepth: DEFAULT_MAX_DEPTH,
    });
    if (!size.ok) return reject(channel, err('IPC_PAYLOAD_TOO_LARGE', size.message));
    if (spec.exclusive && inFlight.has(key)) {
      return reject(channel, err('IPC_BUSY', 'previous call still in progress'));
    }
    const parsed = spec.schema.safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      return reject(channel, err('IPC_INVALID_PAYLOAD', where));
    }
    if (spec.exclusive) inFlight.add(key);
    try {
      return ok(await spec.handler(parsed.data, { sender }));
    } catch (e) {
      if (isFaceVaultError(e)) return reject(channel, { ok: false, error: e.toInfo() });
      opts.onInternalError?.(channel, e);
      return reject(channel, err('IPC_INTERNAL', 'internal error'));
    } finally {
      if (spec.exclusive) inFlight.delete(key);
    }
  }

  return {
    channels,
    async dispatch(channel, sender, args) {
      try {
        if (typeof channel !== 'string' || !isChannel(opts.specs, channel)) {
          return reject(String(channel), err('IPC_UNKNOWN_CHANNEL', 'unknown channel'));
        }
        if (!isTrustedSender(sender, opts.trustedOrigins)) {
          return reject(channel, err('IPC_UNTRUSTED_SENDER', 'sender is not the FaceVault window'));
        }
        if (!Array.isArray(args))
          return reject(channel, err('IPC_INVALID_PAYLOAD', 'arguments must be a list'));
        // The generic parameter ties spec and channel together; TS cannot narrow a mapped type by key.
        return await run(channel, opts.specs[channel] as ChannelSpec<typeof channel>, sender, args);
      } catch (e) {
        opts.onInternalError?.(String(channel), e);
        return err('IPC_INTERNAL', 'internal error');
      }
    },
  };
}
