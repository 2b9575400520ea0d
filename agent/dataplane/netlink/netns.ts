// Running a synchronous piece of code inside a named network namespace.
// A socket belongs to the namespace of the thread that created it, and
// /proc/sys/net resolves against the current thread's namespace, so switching
// the main thread momentarily (setns to /var/run/netns/<name>, run fn, setns
// back to the thread's original namespace) lets an in-process driver open its
// netlink socket or write sysctls inside a test namespace. fn must be
// synchronous: nothing else runs on the main thread meanwhile, and thread-pool
// threads are unaffected (setns is per thread).
import { closeSync, openSync } from 'node:fs';
import { CLONE_NEWNET, errno, errnoText, libc } from './libc.js';

export function netnsPath(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') throw new Error(`bad network namespace name: ${JSON.stringify(name)}`);
  return `/var/run/netns/${name}`;
}

/** Runs fn inside network namespace `name` (or right here when name is undefined). */
export function withNetns<T>(name: string | undefined, fn: () => T): T {
  if (name === undefined) return fn();
  const target = openSync(netnsPath(name), 'r');
  let home: number | undefined;
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
    if (libc.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into network namespace ${name}: ${errnoText(errno())}`);
    try {
      return fn();
    } finally {
      if (libc.setns(home, CLONE_NEWNET) !== 0) {
        // cannot continue safely in the wrong namespace
        process.stderr.write(`fatal: cannot return from network namespace ${name}: ${errnoText(errno())}\n`);
        process.abort();
      }
    }
  } finally {
    closeSync(target);
    if (home !== undefined) closeSync(home);
  }
}
