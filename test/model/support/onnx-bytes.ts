/**
 * A minimal valid ONNX model built byte by byte (protobuf by hand): one
 * Identity node from a float input to an output, under names the caller
 * picks. Enough to test that the runtime refuses well-formed models of the
 * wrong signature.
 */
function varint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

const int = (field: number, value: number) => [...varint(field << 3), ...varint(value)]
const bytes = (field: number, payload: number[]) => [...varint((field << 3) | 2), ...varint(payload.length), ...payload]
const text = (field: number, s: string) => bytes(field, [...new TextEncoder().encode(s)])

const FLOAT = 1

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type: float, shape: [1] } } } */
function floatTensor(name: string): number[] {
  const shape = bytes(1, int(1, 1)) // TensorShapeProto.dim { dim_value: 1 }
  return [...text(1, name), ...bytes(2, bytes(1, [...int(1, FLOAT), ...bytes(2, shape)]))]
}

export function identityOnnx(input: string, output: string): Uint8Array {
  const node = [...text(1, input), ...text(2, output), ...text(4, 'Identity')]
  const graph = [...bytes(1, node), ...text(2, 'identity'), ...bytes(11, floatTensor(input)), ...bytes(12, floatTensor(output))]
  const opset = [...text(1, ''), ...int(2, 17)]
  return new Uint8Array([...int(1, 8), ...bytes(7, graph), ...bytes(8, opset)])
}
