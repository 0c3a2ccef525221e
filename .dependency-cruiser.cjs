/**
 * The one-way import rule (see ARCHITECTURE.md):
 *   util <- protocol <- broker (incl. broker/store) <- transports <- framework <- cli
 * A layer may import only layers to its left. src/index.ts sits on top.
 */
const layers = ['util', 'protocol', 'broker', 'transports', 'framework', 'cli'];

const forbidden = layers.map((layer, i) => ({
  name: `${layer}-imports-upward`,
  severity: 'error',
  comment: `src/${layer} may only import ${layers.slice(0, i + 1).join(', ')}`,
  from: { path: `^src/${layer}/` },
  to: {
    path: `^src/(${layers
      .slice(i + 1)
      .concat(['index\\.ts$'])
      .join('|')})`,
  },
}));

module.exports = {
  forbidden: [
    ...forbidden,
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-codegen-at-runtime',
      severity: 'error',
      comment: 'codegen is a dev-time script; nothing in src imports it',
      from: { path: '^src/', pathNot: '^src/protocol/codegen/' },
      to: { path: '^src/protocol/codegen/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
