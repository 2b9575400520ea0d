// The file backend as the IPAM bench and the multi-process test open it:
// one FileDatastore per process on a shared YAML file (cross-process lock).
import { FileDatastore, type FileDatastoreOptions } from '../../datastore/file.js';
import type { Datastore } from '../../datastore/types.js';

export async function openFileBackend(path: string, opts: FileDatastoreOptions = {}): Promise<Datastore> {
  return FileDatastore.open(path, { pollMs: 0, ...opts });
}
