// What a query selects below a field, read from the operation's syntax (through fragments, aliases
// merged): the list kit sums only the totals and forms asked for.
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { MoneyForm, MoneyTotalSpec } from '../../domain/kit/totals.js';

/** The fields selected in `sets` (through fragments), by field name, with their own selection sets. */
export function fieldsIn(info: GraphQLResolveInfo, sets: ReadonlyArray<SelectionSetNode | undefined>): Map<string, SelectionSetNode[]> {
  const fields = new Map<string, SelectionSetNode[]>();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (!fields.has(name)) fields.set(name, []);
        if (selection.selectionSet) fields.get(name)!.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else visit(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  sets.forEach(visit);
  return fields;
}

const MONEY_FORMS: ReadonlySet<string> = new Set<MoneyForm>(['original', 'default', 'normalized']);

/**
 * Which totals, and which of their forms, `aggregates { ... }` asks for (aliases merged). A total
 * with only a default form is a plain amount: selecting it at all asks for that form.
 */
export function wantedTotals(
  info: GraphQLResolveInfo,
  aggregates: SelectionSetNode[],
  totals: Record<string, MoneyTotalSpec>,
): Record<string, Set<MoneyForm>> {
  const wanted: Record<string, Set<MoneyForm>> = {};
  for (const [name, sets] of fieldsIn(info, aggregates)) {
    if (!(name in totals)) continue;
    wanted[name] = totals[name]!.original
      ? new Set([...fieldsIn(info, sets).keys()].filter((f): f is MoneyForm => MONEY_FORMS.has(f)))
      : new Set<MoneyForm>(['default']);
  }
  return wanted;
}

