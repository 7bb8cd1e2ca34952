/**
 * The CLI ↔ app protocol over the same-user local socket (pure; shared by both ends). One request per
 * connection, newline-delimited JSON, each line ≤ 16 KiB (longer → LOCAL_CHANNEL_PROTOCOL, connection
 * closed). Requests are strict zod objects; replies are progress / waiting lines then exactly one result.
 * The passphrase, when sent, is only ever in the request line; it is never echoed, logged or stored.
 */
import { z } from 'zod';
import type { ErrorInfo } from '../../../shared/result.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_LINE_BYTES = 16 * 1024;

const path = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'no NUL');
const auth = z.strictObject({
  method: z.enum(['face', 'passphrase']),
  passphrase: z.string().min(1).max(1024).optional(),
});

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
/** The client's half of the token proof (channel-proof.ts), where the channel asks for one. */
const proof = hex32.optional();

export const requestSchema = z.discriminatedUnion('op', [
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('lock'), path, auth, proof }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('unlock'), path, auth, proof }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('ping'), proof }),
  /** First line on a token-checked channel (Windows named pipe): the client's nonce. */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), op: z.literal('hello'), nonce: hex32 }),
]);
export type ChannelRequest = z.infer<typeof requestSchema>;

export interface LockedReply {
  readonly op: 'lock';
  readonly containerPath: string;
  readonly originalPath: string;
  readonly kind: 'file' | 'folder';
  readonly bytes: number;
  readonly id: string;
}
export interface UnlockedReply {
  readonly op: 'unlock';
  readonly restoredPath: string;
  readonly containerPath: string;
  readonly kind: 'file' | 'folder';
  readonly bytes: number;
}
export interface PongReply {
  readonly op: 'ping';
  readonly vaultUnlocked: boolean;
}

export type ChannelReply =
  | { readonly t: 'progress'; readonly done: number; readonly total: number; readonly phase: string }
  | { readonly t: 'waiting'; readonly message: string }
  | { readonly t: 'hello'; readonly nonce: string; readonly proof: string }
  | { readonly t: 'result'; readonly ok: true; readonly value: LockedReply | UnlockedReply | PongReply }
  | { readonly t: 'result'; readonly ok: false; readonly error: ErrorInfo };

const replySchema = z.union([
  z.strictObject({
    t: z.literal('progress'),
    done: z.number().min(0),
    total: z.number().min(0),
    phase: z.string().max(32),
  }),
  z.strictObject({ t: z.literal('waiting'), message: z.string().max(1024) }),
  z.strictObject({
    t: z.literal('hello'),
    nonce: z.string().regex(/^[0-9a-f]{64}$/),
    proof: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.strictObject({ t: z.literal('result'), ok: z.literal(true), value: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    t: z.literal('result'),
    ok: z.literal(false),
    error: z.strictObject({ code: z.string().max(64), message: z.string().max(4096) }),
  }),
]);

export function parseReply(line: string): ChannelReply | null {
  try {
    const r = replySchema.safeParse(JSON.parse(line));
    return r.success ? (r.data as ChannelReply) : null;
  } catch {
    return null;
  }
}

/** Splits a byte stream into lines; refuses a line longer than MAX_LINE_BYTES. */
export class LineReader {
  #buf = '';
  readonly #onLine: (line: string) => void;
  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }
  /** Returns false when the bound was exceeded (the caller closes the connection). */
  push(chunk: string): boolean {
    this.#buf += chunk;
    for (;;) {
      const i = this.#buf.indexOf('\n');
      if (i < 0) break;
      const line = this.#buf.slice(0, i);
      this.#buf = this.#buf.slice(i + 1);
      if (line.length > MAX_LINE_BYTES) return false;
      if (line.length > 0) this.#onLine(line);
    }
    return this.#buf.length <= MAX_LINE_BYTES;
  }
}
