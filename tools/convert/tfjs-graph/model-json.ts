/**
 * Types and validation of a TF.js graph-model `model.json` (format "graph-model", as written by
 * tensorflowjs_converter): the GraphDef in JSON protobuf form (`modelTopology.node[]`, AttrValue oneofs with
 * int64 as strings and bytes as base64), the optional signature and the weights manifest. Only the fields
 * the converter reads are typed; everything is checked with zod before use.
 */
import { z } from 'zod';
import { ConversionError } from '../errors.ts';

const tensorShape = z.object({
  dim: z.array(z.object({ size: z.union([z.string(), z.number()]).optional() })).optional(),
  unknownRank: z.boolean().optional(),
});

const attrList = z.object({
  i: z.array(z.union([z.string(), z.number()])).optional(),
  f: z.array(z.number()).optional(),
  s: z.array(z.string()).optional(),
  b: z.array(z.boolean()).optional(),
  type: z.array(z.string()).optional(),
  shape: z.array(tensorShape).optional(),
});

const attrValue = z.object({
  i: z.union([z.string(), z.number()]).optional(),
  f: z.number().optional(),
  b: z.boolean().optional(),
  s: z.string().optional(),
  type: z.string().optional(),
  shape: tensorShape.optional(),
  list: attrList.optional(),
  tensor: z
    .object({ dtype: z.string().optional(), tensorShape: tensorShape.optional() })
    .passthrough()
    .optional(),
});

export type TfAttrValue = z.infer<typeof attrValue>;

const nodeDef = z.object({
  name: z.string(),
  op: z.string(),
  input: z.array(z.string()).optional(),
  attr: z.record(z.string(), attrValue).optional(),
  device: z.string().optional(),
});

export type TfNodeDef = z.infer<typeof nodeDef>;

const quantization = z.object({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  min: z.number().optional(),
  scale: z.number().optional(),
});

const weightEntry = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: quantization.optional(),
});

export type WeightEntry = z.infer<typeof weightEntry>;

export const weightsManifestSchema = z.array(
  z.object({ paths: z.array(z.string()).min(1), weights: z.array(weightEntry) }),
);
export type WeightsManifest = z.infer<typeof weightsManifestSchema>;

const tensorInfo = z.object({
  name: z.string(),
  dtype: z.string().optional(),
  tensorShape: tensorShape.optional(),
});

const modelJson = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  signature: z
    .object({
      inputs: z.record(z.string(), tensorInfo).optional(),
      outputs: z.record(z.string(), tensorInfo).optional(),
    })
    .optional(),
  modelTopology: z.object({
    node: z.array(nodeDef),
    library: z
      .object({ function: z.array(z.unknown()).optional() })
      .passthrough()
      .optional(),
    versions: z.unknown().optional(),
  }),
  weightsManifest: weightsManifestSchema,
});

export type TfModelJson = z.infer<typeof modelJson>;

export const parseModelJson = (text: string, source: string): TfModelJson => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConversionError(`${source}: not JSON`, undefined, { cause: e });
  }
  const parsed = modelJson.safeParse(raw);
  if (!parsed.success)
    throw new ConversionError(`${source}: not a TF.js graph model: ${parsed.error.message}`);
  const m = parsed.data;
  if (m.format !== undefined && m.format !== 'graph-model') {
    throw new ConversionError(
      `${source}: format "${m.format}" is not "graph-model" (layers models are not supported)`,
    );
  }
  if ((m.modelTopology.library?.function?.length ?? 0) > 0) {
    throw new ConversionError(`${source}: graph functions (control flow) are not supported`);
  }
  return m;
};

/** AttrValue accessors: each throws a ConversionError naming the node when the attribute is missing/ill-typed. */
export const attrOf = (node: TfNodeDef, key: string): TfAttrValue | undefined => node.attr?.[key];

const fail = (node: TfNodeDef, msg: string): never => {
  throw new ConversionError(msg, { node: node.name, op: node.op });
};

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

export const attrString = (node: TfNodeDef, key: string, dflt?: string): string => {
  const a = attrOf(node, key);
  if (a?.s !== undefined) return b64(a.s);
  if (dflt !== undefined) return dflt;
  return fail(node, `missing string attribute "${key}"`);
};

export const attrInt = (node: TfNodeDef, key: string, dflt?: number): number => {
  const a = attrOf(node, key);
  if (a?.i !== undefined) return Number(a.i);
  if (dflt !== undefined) return dflt;
  return fail(node, `missing int attribute "${key}"`);
};

export const attrFloat = (node: TfNodeDef, key: string, dflt?: number): number => {
  const a = attrOf(node, key);
  if (a?.f !== undefined) return a.f;
  if (dflt !== undefined) return dflt;
  return fail(node, `missing float attribute "${key}"`);
};

export const attrBool = (node: TfNodeDef, key: string, dflt?: boolean): boolean => {
  const a = attrOf(node, key);
  if (a?.b !== undefined) return a.b;
  if (dflt !== undefined) return dflt;
  return fail(node, `missing bool attribute "${key}"`);
};

export const attrInts = (node: TfNodeDef, key: string, dflt?: number[]): number[] => {
  const a = attrOf(node, key);
  if (a?.list !== undefined) return (a.list.i ?? []).map(Number);
  if (dflt !== undefined) return dflt;
  return fail(node, `missing int-list attribute "${key}"`);
};

export const attrStrings = (node: TfNodeDef, key: string): string[] =>
  (attrOf(node, key)?.list?.s ?? []).map(b64);

export const attrType = (node: TfNodeDef, key: string, dflt?: string): string => {
  const a = attrOf(node, key);
  if (a?.type !== undefined) return a.type;
  if (dflt !== undefined) return dflt;
  return fail(node, `missing type attribute "${key}"`);
};

/** Shape of a TensorShapeProto with -1 for unknown dims; undefined for unknown rank. */
export const shapeOf = (s: z.infer<typeof tensorShape> | undefined): number[] | undefined => {
  if (s === undefined || s.unknownRank === true) return undefined;
  return (s.dim ?? []).map((d) => (d.size === undefined ? -1 : Number(d.size)));
};
