// Writes schema.graphql from the Pothos schema. test/schema.test.ts fails when they differ.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

export const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);
writeFileSync(SCHEMA_FILE, `${printSchema(schema)}\n`);
console.log('schema.graphql written');
