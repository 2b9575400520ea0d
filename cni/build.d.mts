// Types of cni/build.mjs (a plain JavaScript build script).
export declare const SOURCE: string;
export declare const DEFAULT_OUT: string;
/** Builds the plugin as a Node single executable application at `out`; returns the path. */
export declare function buildCniPlugin(out?: string): string;
