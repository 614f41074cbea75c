/**
 * Just enough of ONNX's protobuf encoding (onnx.proto3: ModelProto and what it holds) to write a
 * model built in code. Only the fields the offline model uses are here; field numbers are
 * ONNX's own.
 */

export type AttrValue = number | number[] | string | { ints: number[] } | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  elemType: 'float32' | 'int32';
  /** A number is a fixed size, a string a named free dimension. */
  shape: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  opset: number;
  irVersion: number;
}

const ELEM_TYPE = { float32: 1, int32: 6, int64: 7 } as const;
const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** A growable protobuf writer: varints, length-delimited fields and nested messages. */
class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: bigint | number): void {
    if (typeof value === 'number' && value >= 0 && value < 0x80) {
      this.push(Uint8Array.of(value));
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    // The inner chunks are taken over, not copied: the weights (28 MB) are never copied here.
    this.key(field, 2);
    this.varint(inner.size);
    for (const c of inner.chunks) this.push(c);
    return this;
  }

  /** The bytes written so far, in order. */
  parts(): Uint8Array[] {
    return this.chunks;
  }
}

function writeAttr(w: Writer, name: string, value: AttrValue): void {
  w.string(1, name);
  if (typeof value === 'string') w.bytes(4, new TextEncoder().encode(value)).int(20, ATTR_TYPE.STRING);
  else if (typeof value === 'number') w.int(3, value).int(20, ATTR_TYPE.INT);
  else if (Array.isArray(value) || 'ints' in value) {
    for (const v of Array.isArray(value) ? value : value.ints) w.int(8, v);
    w.int(20, ATTR_TYPE.INTS);
  } else w.float(2, value.float).int(20, ATTR_TYPE.FLOAT);
}

function writeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? ELEM_TYPE.float32 : t.data instanceof Int32Array ? ELEM_TYPE.int32 : ELEM_TYPE.int64);
  w.string(8, t.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEM_TYPE[v.elemType]);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serializes a graph as an ONNX ModelProto: its bytes in order, in pieces (the weights are not copied). */
export function encodeModelParts(g: OnnxGraph): Uint8Array[] {
  const w = new Writer();
  w.int(1, g.irVersion);
  w.string(2, 'kairos');
  w.message(7, (graph) => {
    g.nodes.forEach((n, i) =>
      graph.message(1, (node) => {
        for (const input of n.inputs) node.string(1, input);
        for (const output of n.outputs) node.string(2, output);
        node.string(3, `${n.op}_${i}`);
        node.string(4, n.op);
        for (const [name, value] of Object.entries(n.attrs ?? {})) node.message(5, (a) => writeAttr(a, name, value));
      }),
    );
    graph.string(2, g.name);
    for (const t of g.initializers) graph.message(5, (m) => writeTensor(m, t));
    for (const v of g.inputs) graph.message(11, (m) => writeValueInfo(m, v));
    for (const v of g.outputs) graph.message(12, (m) => writeValueInfo(m, v));
  });
  w.message(8, (opset) => opset.string(1, '').int(2, g.opset));
  return w.parts();
}
