/**
 * The house rules ESLint has no built-in rule for (plugin `icn`, used by eslint.config.mjs; the
 * policy itself, which paths and which functions, lives in the config, not here):
 *   - `icn/import-boundaries`: a file under one folder never imports from another (relative
 *     specifiers resolved against the file: `../hash/../ledger/x.js` is caught too);
 *   - `icn/wasm-engine`: no `new WebAssembly.Module/Instance`, `WebAssembly.compile…()`;
 *   - `icn/max-function-lines`: a function's span in lines, with an allow list of named functions,
 *     each with its reason; an entry whose function is gone or short again is reported (stale).
 * Paths are relative to ESLint's cwd (the repository root when run by `npm run lint`).
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** `a/b/c.ts` relative to the cwd with forward slashes, or undefined outside it. */
function repoPath(context, file) {
  const rel = relative(context.cwd, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep).join('/');
}

const under = (path, prefixes) =>
  prefixes.some(
    (p) => path === p.replace(/\/$/, '') || path.startsWith(p.endsWith('/') ? p : `${p}/`),
  );

/** The string literal a module-reference node names, if it is one. */
function specifierOf(node) {
  const src =
    node.type === 'TSImportType'
      ? (node.argument?.literal ?? node.source)
      : (node.source ?? node.expression);
  return src && src.type === 'Literal' && typeof src.value === 'string' ? src : undefined;
}

const importBoundaries = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'Files under one folder never import from a forbidden folder (relative paths resolved).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          boundaries: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                from: { type: 'array', items: { type: 'string' } },
                forbid: { type: 'array', items: { type: 'string' } },
                reason: { type: 'string' },
              },
              required: ['from', 'forbid', 'reason'],
              additionalProperties: false,
            },
          },
        },
        required: ['boundaries'],
        additionalProperties: false,
      },
    ],
    messages: { forbidden: '{{file}} imports {{target}}: {{reason}}' },
  },
  create(context) {
    const file = repoPath(context, context.filename);
    if (file === undefined) return {};
    const rules = context.options[0].boundaries.filter((b) => under(file, b.from));
    if (rules.length === 0) return {};
    const check = (node) => {
      const lit = specifierOf(node);
      if (!lit || !lit.value.startsWith('.')) return;
      const target = repoPath(context, resolve(dirname(context.filename), lit.value));
      if (target === undefined) return;
      for (const b of rules) {
        if (under(target, b.forbid))
          context.report({
            node: lit,
            messageId: 'forbidden',
            data: { file, target, reason: b.reason },
          });
      }
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
      TSExternalModuleReference: check,
    };
  },
};

const ENGINE_NEW = new Set(['Module', 'Instance']);
const ENGINE_CALL = new Set(['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']);

/** `WebAssembly.X` or `globalThis.WebAssembly.X` (also `?.` and `['X']`): X, else undefined. */
function wasmMember(callee) {
  const c = callee.type === 'ChainExpression' ? callee.expression : callee;
  if (c.type !== 'MemberExpression') return undefined;
  const obj = c.object;
  const isWasm =
    (obj.type === 'Identifier' && obj.name === 'WebAssembly') ||
    (obj.type === 'MemberExpression' && !obj.computed && obj.property.name === 'WebAssembly');
  if (!isWasm) return undefined;
  if (!c.computed) return c.property.name;
  return c.property.type === 'Literal' ? String(c.property.value) : undefined;
}

const wasmEngine = {
  meta: {
    type: 'problem',
    docs: {
      description: 'Only the deterministic executor creates WebAssembly modules and instances.',
    },
    schema: [
      { type: 'object', properties: { reason: { type: 'string' } }, additionalProperties: false },
    ],
    messages: { engine: '{{what}}: {{reason}}' },
  },
  create(context) {
    const reason =
      context.options[0]?.reason ?? 'only core/wasm/exec creates WebAssembly modules and instances';
    return {
      NewExpression(node) {
        const m = wasmMember(node.callee);
        if (m && ENGINE_NEW.has(m))
          context.report({
            node,
            messageId: 'engine',
            data: { what: `new WebAssembly.${m}`, reason },
          });
      },
      CallExpression(node) {
        const m = wasmMember(node.callee);
        if (m && ENGINE_CALL.has(m))
          context.report({
            node,
            messageId: 'engine',
            data: { what: `WebAssembly.${m}()`, reason },
          });
      },
    };
  },
};

/** A function's own name, or `<enclosing>>(anonymous)` for a nameless callback. */
function functionName(node) {
  if (node.id?.name) return node.id.name;
  const p = node.parent;
  const key = (k) =>
    k.type === 'Identifier'
      ? k.name
      : k.type === 'Literal'
        ? String(k.value)
        : k.type === 'PrivateIdentifier'
          ? `#${k.name}`
          : undefined;
  let own;
  if (p.type === 'VariableDeclarator' && p.id.type === 'Identifier') own = p.id.name;
  else if (
    (p.type === 'Property' || p.type === 'MethodDefinition' || p.type === 'PropertyDefinition') &&
    p.value === node
  )
    own = key(p.key);
  else if (p.type === 'AssignmentExpression' && p.right === node)
    own = p.left.type === 'MemberExpression' ? key(p.left.property) : p.left.name;
  if (own) return own;
  for (let a = p; a; a = a.parent) {
    if (
      a.type === 'FunctionDeclaration' ||
      a.type === 'FunctionExpression' ||
      a.type === 'ArrowFunctionExpression'
    )
      return `${functionName(a)}>(anonymous)`;
  }
  return '(anonymous)';
}

const maxFunctionLines = {
  meta: {
    type: 'suggestion',
    docs: {
      description:
        'No function longer than `max` lines, except the allowed ones (each with a reason).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          max: { type: 'integer', minimum: 1 },
          // { 'core/x.ts': { functionName: 'why it may stay long' } }
          allow: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: { type: 'string', minLength: 1 },
            },
          },
        },
        required: ['max'],
        additionalProperties: false,
      },
    ],
    messages: {
      long:
        '{{name}} is {{lines}} lines (max {{max}}): split it into named functions, ' +
        'or add it to the allow list with a reason',
      stale:
        'allow list entry {{name}} ({{file}}): no function of that name is over {{max}} lines ' +
        'any more; remove the entry',
    },
  },
  create(context) {
    const { max, allow = {} } = context.options[0];
    const file = repoPath(context, context.filename);
    const allowed = (file !== undefined && allow[file]) || {};
    const used = new Set();
    const visit = (node) => {
      const lines = node.loc.end.line - node.loc.start.line + 1;
      if (lines <= max) return;
      const name = functionName(node);
      if (Object.hasOwn(allowed, name)) used.add(name);
      else
        context.report({
          node,
          loc: node.loc.start,
          messageId: 'long',
          data: { name, lines, max },
        });
    };
    return {
      FunctionDeclaration: visit,
      FunctionExpression: visit,
      ArrowFunctionExpression: visit,
      'Program:exit'(program) {
        for (const name of Object.keys(allowed)) {
          if (!used.has(name))
            context.report({
              node: program,
              loc: { line: 1, column: 0 },
              messageId: 'stale',
              data: { name, file, max },
            });
        }
      },
    };
  },
};

export default {
  meta: { name: 'icn' },
  rules: {
    'import-boundaries': importBoundaries,
    'wasm-engine': wasmEngine,
    'max-function-lines': maxFunctionLines,
  },
};
