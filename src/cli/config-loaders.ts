import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Loader } from 'cosmiconfig';

/**
 * Loads a JS config by `import()` alone. cosmiconfig's own loader falls back to `require`
 * through import-fresh when the import fails, which needs `__filename`: in our ESM bundle
 * that fallback replaced every real error (a syntax error, a throw) with "__filename is not
 * defined". Node's import reads CommonJS (`module.exports`) as well.
 */
export const loadModule: Loader = async (file) => {
  const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return loaded.default;
};

/**
 * Loads a TypeScript config: syntax errors come from the compiler with their line; the
 * compiled module runs next to the source (so its relative imports resolve), with a source
 * map, so an error it throws points at the line in the .ts file.
 */
export const loadTypeScript: Loader = async (file, content) => {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch (error) {
    throw new Error('a .ts config needs the "typescript" package: install it next to sup, or write the config as .mjs', {
      cause: error,
    });
  }
  const output = ts.transpileModule(content, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true },
  });
  const [diagnostic] = output.diagnostics ?? [];
  if (diagnostic) {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    throw new Error(line === undefined ? message : `line ${line}: ${message}`);
  }
  const compiled = `${file}.${randomUUID()}.mjs`;
  await writeFile(compiled, output.outputText);
  try {
    process.setSourceMapsEnabled(true);
    return await loadModule(compiled, output.outputText);
  } finally {
    await rm(compiled, { force: true });
  }
};
