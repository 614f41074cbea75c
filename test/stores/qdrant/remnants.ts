/** What Qdrant still holds of a space: its collections, alias, registry entry and shared points. */
import { QdrantClient } from '@qdrant/js-client-rest';
import { isSharedCollection, REGISTRY_COLLECTION, registryPointId, SPACE_FIELD } from '../../../src/stores/qdrant/partition.js';

export function qdrantRemnants(url: string, apiKey?: string): (space: string) => Promise<string[]> {
  const client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  return async (space) => {
    const names = (await client.getCollections()).collections.map((c) => c.name);
    const found = names.filter((n) => n === space || n.startsWith(`${space}__g`)).map((n) => `collection ${n}`);
    found.push(...(await client.getAliases()).aliases.filter((a) => a.alias_name === space).map((a) => `alias ${a.alias_name} → ${a.collection_name}`));
    for (const shared of names.filter(isSharedCollection)) {
      const { count } = await client.count(shared, { exact: true, filter: { must: [{ key: SPACE_FIELD, match: { value: space } }] } });
      if (count > 0) found.push(`${count} points in ${shared}`);
    }
    if (
      names.includes(REGISTRY_COLLECTION) &&
      (await client.retrieve(REGISTRY_COLLECTION, { ids: [registryPointId(space)], with_payload: false })).length > 0
    ) {
      found.push(`registry entry in ${REGISTRY_COLLECTION}`);
    }
    return found;
  };
}
