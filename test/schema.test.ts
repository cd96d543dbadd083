import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';

test('schema.graphql is the printed schema (run `npm run schema:print` after changing types)', () => {
  const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(`${printSchema(schema)}\n`);
});

test('every type and field visible to clients is described', () => {
  const undocumented: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)) continue;
    if (!type.description && !/(Connection|Edge)$/.test(type.name) && type.name !== 'PageInfo') undocumented.push(type.name);
  }
  expect(undocumented).toEqual([]);
});
