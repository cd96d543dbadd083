import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  printSchema,
  type GraphQLArgument,
  type GraphQLSchema,
} from 'graphql';
import { expect, test } from 'vitest';
import { schema } from '../src/schema/index.js';

test('schema.graphql is the printed schema (run `npm run schema:print` after changing types)', () => {
  const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(`${printSchema(schema)}\n`);
});

/** GraphQL's own types and scalars describe themselves in the specification. */
const BUILT_IN = new Set(['String', 'Int', 'Boolean', 'ID', 'Float']);
const described = (thing: { description?: string | null }) => !!thing.description?.trim();

/**
 * Every schema coordinate a client can see that has no description: types (object, interface,
 * input, enum, union, scalar), their fields, the fields' arguments, input fields and enum values,
 * spelled `Type`, `Type.field`, `Type.field(arg:)`, `Type.VALUE`.
 */
function undescribed(s: GraphQLSchema): string[] {
  const missing: string[] = [];
  const args = (coordinate: string, list: readonly GraphQLArgument[]) => {
    for (const arg of list) if (!described(arg)) missing.push(`${coordinate}(${arg.name}:)`);
  };
  for (const type of Object.values(s.getTypeMap())) {
    if (type.name.startsWith('__') || BUILT_IN.has(type.name)) continue;
    if (!described(type)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        if (!described(field)) missing.push(coordinate);
        args(coordinate, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!described(field)) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (!described(value)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

test('every type, field, argument, input field and enum value visible to clients is described', () => {
  const missing = undescribed(schema);
  expect(missing, `${missing.length} without a description:\n${missing.join('\n')}`).toEqual([]);
});

test('the check names each kind of coordinate it finds undescribed', () => {
  const sample = buildSchema(`
    """Described."""
    type Query { a(x: Int): E, b(y: In): U, "Described." c: S }
    enum E { ONE }
    input In { z: Int }
    union U = Query
    scalar S
  `);
  expect(undescribed(sample).sort()).toEqual(['E', 'E.ONE', 'In', 'In.z', 'Query.a', 'Query.a(x:)', 'Query.b', 'Query.b(y:)', 'S', 'U']);
});
