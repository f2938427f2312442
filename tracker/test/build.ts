// Builds every variant of the tracker as `npm run build` does, in memory, once per test file.
import { rollup, type OutputAsset, type OutputChunk } from 'rollup';
// @ts-expect-error -- the rollup config is plain JS without types
import configs from '../../rollup.config.mjs';

let built: Promise<Map<string, (OutputChunk | OutputAsset)[]>> | undefined;

/** Each variant's output, by file name (s.js, s.cmp.js). */
export const buildAll = () => (built ??= generate());

const generate = async () => {
  const out = new Map<string, (OutputChunk | OutputAsset)[]>();
  for (const config of configs) {
    const bundle = await rollup({ ...config, onwarn: () => {} });
    const { output } = await bundle.generate(config.output);
    await bundle.close();
    out.set(config.output.file.replace('dist/', ''), output);
  }
  return out;
};

/** The minified code of one variant. */
export const codeOf = async (file: string) => (await buildAll()).get(file)!.find((o): o is OutputChunk => o.type === 'chunk')!.code;
