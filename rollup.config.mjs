// Builds the storefront tracker (tracker/src) into one minified IIFE, dist/s.js, served at /s.js.
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';

export default {
  input: 'tracker/src/index.ts',
  output: { file: 'dist/s.js', format: 'iife', sourcemap: false },
  plugins: [
    typescript({ tsconfig: 'tracker/tsconfig.build.json' }),
    terser({ ecma: 2020, compress: { passes: 3 }, mangle: true }),
  ],
};
