/** Qdrant point ids must be UUIDs or integers; memory ids are UUIDs, anything else is mapped. */
import { createHash } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Fixed namespace for name-based (version 5) ids of non-UUID memory ids. */
const NAMESPACE = Buffer.from('5c1f6c3e9a0b4c6f8d2e7b1a4f3c9e20', 'hex');

/** RFC 4122 version 5 UUID of `name` in Kairos' namespace. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The point id for a memory id: the UUID itself (lower-cased), or a stable UUIDv5 of it. */
export function pointId(memoryId: string): string {
  return UUID_RE.test(memoryId) ? memoryId.toLowerCase() : uuidV5(memoryId);
}
