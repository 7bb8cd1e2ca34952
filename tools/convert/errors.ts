/**
 * Errors raised by the model converters (build-time tooling, not the app). Every failure names what it was
 * converting — the graph node and op for TF.js graphs, the weight for face-api manifests — so an unsupported
 * model fails loudly at build time instead of producing a silently wrong ONNX file.
 */
export class ConversionError extends Error {
  readonly node: string | undefined;
  readonly op: string | undefined;

  constructor(message: string, where?: { node?: string; op?: string }, options?: { cause?: unknown }) {
    const prefix =
      where?.node !== undefined
        ? `node "${where.node}"${where.op !== undefined ? ` (op ${where.op})` : ''}: `
        : '';
    super(`${prefix}${message}`, options);
    this.name = 'ConversionError';
    this.node = where?.node;
    this.op = where?.op;
  }
}
