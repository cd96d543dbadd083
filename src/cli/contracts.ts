// `contracts generate`: the budgets of every contract period up to a day, for every organization
// (or one), as generateContractOccurrences makes them for a user. Budgets keep the template's
// creator, and copied expenses their own.
import { scopedClient } from '../db/scope.js';
import {
  generateOccurrences,
  GENERATE_WITHOUT_ROW_CAP,
  planOccurrences,
  untilProblem,
  type CreatedBudget,
} from '../domain/contracts.js';
import type { UserError } from '../domain/kit/result.js';
import { isoDay } from '../domain/recurrence.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { OperatorError } from '../domain/kit/errors.js';
import { existingOrganization } from './organizations.js';

export interface GenerateOptions {
  until: Date;
  organizationId?: number;
  now?: Date;
}

export interface GenerateSummary {
  budgets: Array<CreatedBudget & { organizationId: number }>;
  contracts: number;
  organizations: number;
}

/** A domain error as the operator typed it: `--until: must be ...`. */
function describe(organizationId: number, error: UserError): string {
  const [, field, index] = error.field;
  const where = field === 'until' ? '--until' : `${field}${index === undefined ? '' : `[${index}]`}`;
  return `${where}: ${error.message} (organization ${organizationId})`;
}

/**
 * Plans every organization first, so that a mistake (an --until too far ahead, a contract with too
 * many periods) writes nothing anywhere; then generates organization by organization.
 */
export async function generateContractBudgets(
  prisma: PrismaClient,
  options: GenerateOptions,
  print: (line: string) => void,
): Promise<GenerateSummary> {
  const now = options.now ?? new Date();
  const bound = untilProblem(options.until, now);
  if (bound) throw new OperatorError(`--until: ${bound.message}`);
  let organizationIds: number[];
  if (options.organizationId !== undefined) {
    organizationIds = [await existingOrganization(prisma, options.organizationId)];
  } else {
    const rows = await prisma.organization.findMany({
      where: { contracts: { some: { deletedAt: null } } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    organizationIds = rows.map((o) => o.id);
  }

  const problems: string[] = [];
  for (const organizationId of organizationIds) {
    // The operator is not held to the API's rows per call; each contract's periods per run still are.
    const plan = await planOccurrences(scopedClient(prisma, { organizationId }), { until: options.until }, now, GENERATE_WITHOUT_ROW_CAP);
    if (!plan.ok) problems.push(...plan.errors.map((e) => describe(organizationId, e)));
  }
  if (problems.length) {
    throw new OperatorError(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; nothing was generated`);
  }

  const summary: GenerateSummary = { budgets: [], contracts: 0, organizations: 0 };
  for (const organizationId of organizationIds) {
    const result = await generateOccurrences(
      scopedClient(prisma, { organizationId }),
      { personId: null },
      { until: options.until },
      now,
      GENERATE_WITHOUT_ROW_CAP,
    );
    // Planned above; only a change made meanwhile (a contract moved back) gets here.
    if (!result.ok) throw new OperatorError(describe(organizationId, result.errors[0]!));
    for (const s of result.value.skipped) {
      print(`Organization ${organizationId}, contract ${s.contractId}: skipped, its template deal ${s.templateId} is deleted.`);
    }
    for (const b of result.value.budgets) {
      print(
        `Organization ${organizationId}, contract ${b.contractId}: created budget ${b.id} ${JSON.stringify(b.name)} ` +
          `#${b.number} ${b.suffix} (${isoDay(b.date)} to ${isoDay(b.endDate)}).`,
      );
      summary.budgets.push({ ...b, organizationId });
    }
    summary.contracts += result.value.contractIds.length;
    if (result.value.contractIds.length) summary.organizations += 1;
  }
  return summary;
}

export function summaryLine(summary: GenerateSummary, until: Date): string {
  const n = summary.budgets.length;
  if (n === 0) return `Nothing to generate until ${isoDay(until)}: every contract is up to date.`;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return (
    `Created ${plural(n, 'budget')} from ${plural(summary.contracts, 'contract')} in ` +
    `${plural(summary.organizations, 'organization')}, until ${isoDay(until)}.`
  );
}
