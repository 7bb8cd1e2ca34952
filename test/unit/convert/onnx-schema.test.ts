/**
 * The ONNX schema the product embeds as code (src/main/model/onnx/onnx-schema.ts) is exactly the one in
 * tools/convert/onnx/onnx-subset.proto: regenerate with `node tools/convert/onnx/gen-onnx-schema.ts`.
 */
import { describe, expect, it } from 'vitest';
import { ONNX_SUBSET_SCHEMA } from '../../../src/main/model/onnx/onnx-schema.ts';
import { protoSchemaJson } from '../../../tools/convert/onnx/gen-onnx-schema.ts';

describe('embedded ONNX schema', () => {
  it('matches onnx-subset.proto', () => {
    expect(JSON.parse(JSON.stringify(ONNX_SUBSET_SCHEMA))).toEqual(protoSchemaJson());
  });
});
