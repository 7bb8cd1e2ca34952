/**
 * The bundle body's STREAM (docs/bundle-format.md §Body): the shared construction of
 * src/main/crypto/stream-aead.ts, whose failed tags are BundleIntegrityError (BUNDLE_INTEGRITY) here.
 */
import { StreamAead as SharedStreamAead, type AeadBackend } from '../../crypto/stream-aead.ts';
import { BundleIntegrityError } from './errors.ts';

export { chunkNonce, hchacha20, type AeadBackend } from '../../crypto/stream-aead.ts';

export class StreamAead extends SharedStreamAead {
  constructor(
    key: Uint8Array,
    nonceBase: Uint8Array,
    associatedData: Uint8Array,
    backend: AeadBackend = 'node',
  ) {
    super(
      key,
      nonceBase,
      associatedData,
      backend,
      (index, cause) => new BundleIntegrityError(`chunk ${index} failed authentication`, { cause }),
    );
  }
}
