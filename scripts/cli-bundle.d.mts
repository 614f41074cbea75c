import type { BuildOptions, BuildResult } from 'esbuild';

export const CLI_ENTRY: string;
export function cliBuildOptions(outdir: string, extra?: BuildOptions): BuildOptions;
export function bundleCli(outdir: string, extra?: BuildOptions): Promise<BuildResult>;
