// FaceVault's runtime-layering lint rule (docs/architecture.md "Runtime layering"): native and Node-only
// modules may be imported (statically, re-exported or with import()) only by the files whose folder or name
// says they need them. Type-only imports are free: they vanish at run time. Plain JS so that eslint.config.js
// loads it without a TypeScript step.
import { matchesGlob, relative, sep } from 'node:path';

/** module → the files allowed to import it at run time. Keep in sync with docs/architecture.md. */
export const RUNTIME_IMPORTS = {
  fs: ['src/main/storage/**', 'src/main/keys/tpm/tools-*.ts', 'src/cli/**'],
  child_process: ['src/main/keys/tpm/tools-*.ts', 'src/cli/**'],
  worker_threads: ['src/main/**/*-worker.ts', 'src/main/**/*-worker-host.ts'],
  'onnxruntime-node': ['src/main/**/ort-*.ts', 'src/main/**/*-worker.ts'],
  keytar: ['src/main/keys/keychain-*.ts'],
  koffi: ['src/main/keys/tpm/esapi-*.ts'],
  electron: ['src/main/index.ts', 'src/main/**/electron-*.ts', 'src/preload/index.ts'],
};

/** 'node:fs/promises' → 'fs'; 'onnxruntime-node' → itself; null when not restricted. */
function restrictedName(source) {
  const bare = source.startsWith('node:') ? source.slice(5) : source;
  const top = bare === 'fs/promises' ? 'fs' : bare;
  return Object.hasOwn(RUNTIME_IMPORTS, top) ? top : null;
}

export const runtimeImportsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Native and Node-only imports only in files named for them (docs/architecture.md)' },
    messages: {
      notHere:
        '\'{{source}}\' is a native/Node-only import: only {{allowed}} may import it (docs/architecture.md "Runtime layering"). Put the call behind an adapter in such a file.',
    },
    schema: [],
  },
  create(context) {
    const file = relative(context.cwd, context.filename).split(sep).join('/');
    const check = (node, sourceNode, typeOnly) => {
      if (typeOnly || !sourceNode || typeof sourceNode.value !== 'string') return;
      const name = restrictedName(sourceNode.value);
      if (name === null) return;
      const allowed = RUNTIME_IMPORTS[name];
      if (allowed.some((g) => matchesGlob(file, g))) return;
      context.report({
        node,
        messageId: 'notHere',
        data: { source: sourceNode.value, allowed: allowed.join(', ') },
      });
    };
    return {
      ImportDeclaration: (node) =>
        check(
          node,
          node.source,
          node.importKind === 'type' ||
            (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
    };
  },
};
