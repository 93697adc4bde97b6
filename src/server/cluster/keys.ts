import { ServerOptionError } from '../errors.js';

// Sup names may hold dots (`.`, `a..b`), which KV keys and subject tokens may not; `=` is no Sup character.
export function nameToKey(name: string): string {
  return name.replaceAll('.', '=');
}

export function keyToName(key: string): string {
  return key.replaceAll('=', '.');
}

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The buckets and subjects of one Sup network on a NATS system. */
export interface ClusterNames {
  readonly namesBucket: string;
  readonly leasesBucket: string;
  /** `sup.<cluster>`: every subject of this network starts with it. */
  readonly subjectPrefix: string;
}

export function clusterNames(cluster: string): ClusterNames {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new ServerOptionError(
      'clusterName',
      `cluster name must be 1 to 64 characters from A-Z a-z 0-9 _ -, got ${JSON.stringify(cluster)}`,
    );
  }
  return { namesBucket: `sup-${cluster}-names`, leasesBucket: `sup-${cluster}-nodes`, subjectPrefix: `sup.${cluster}` };
}
