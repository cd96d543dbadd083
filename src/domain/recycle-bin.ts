// The recycle bin. Every delete mutation soft-deletes its object, with what belongs to it, under
// one `deletedAt` moment (the stamp), and puts one entry in the bin here, in the same transaction:
// the item's type, id, name and location as the reference shows them, the deleter and the stamp.
// What went with the object (a deal's expenses, an invoice's attributions) has no entry of its
// own: restoring the entry brings back exactly the rows carrying its stamp.
import type { ScopedClient } from '../db/scope.js';
import type { ScopedTx } from '../db/transaction.js';
import { exceedsInvoice } from '../money/attribution-amounts.js';
import { at, fail, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockDeals, lockInvoices } from './kit/locks.js';
import { transact } from './kit/transaction.js';
import type { Viewer } from './viewer.js';

/** The reference's item types, and the two the gateway can also delete. */
export const ITEM_TYPES = [
  'booking',
  'budget',
  'dashboard',
  'deal',
  'event',
  'expense',
  'invoice',
  'page',
  'project',
  'purchase_order',
  'service',
  'task',
  'template',
  'time_entry',
  'contract',
  'invoice_attribution',
] as const;

export type ItemType = (typeof ITEM_TYPES)[number];

/** The object a delete is about to put in the bin. */
export interface BinItem {
  model: 'deal' | 'expense' | 'invoice' | 'contract' | 'invoiceAttribution';
  id: number;
}

interface Description {
  itemType: ItemType;
  name: string;
  location: string;
}

const DEAL = { name: true, budget: true, company: { select: { name: true } }, project: { select: { name: true } } } as const;

const where = (deal: { name: string; budget: boolean }) => `${deal.budget ? 'Budget' : 'Deal'}: ${deal.name}`;

/**
 * The bin's description of a live object: its type, name and location as the reference shows them
 * ("Company: Client581", "Project: test project", "Budget: test name"). Read before the delete,
 * while the scoped client still sees the object; null when it does not (the delete then finds
 * nothing either).
 */
async function describe(tx: ScopedTx, item: BinItem): Promise<Description | null> {
  switch (item.model) {
    case 'deal': {
      const deal = await tx.deal.findUnique({ where: { id: item.id }, select: DEAL });
      if (!deal) return null;
      const location = deal.budget && deal.project ? `Project: ${deal.project.name}` : `Company: ${deal.company.name}`;
      return { itemType: deal.budget ? 'budget' : 'deal', name: deal.name, location };
    }
    case 'expense': {
      const expense = await tx.expense.findUnique({ where: { id: item.id }, select: { name: true, deal: { select: DEAL } } });
      return expense && { itemType: 'expense', name: expense.name, location: where(expense.deal) };
    }
    case 'invoice': {
      const invoice = await tx.invoice.findUnique({
        where: { id: item.id },
        select: { number: true, subject: true, company: { select: { name: true } } },
      });
      return invoice && { itemType: 'invoice', name: invoice.number ?? invoice.subject ?? `Invoice ${item.id}`, location: `Company: ${invoice.company.name}` };
    }
    case 'contract': {
      const contract = await tx.contract.findUnique({ where: { id: item.id }, select: { template: { select: DEAL } } });
      return contract && { itemType: 'contract', name: contract.template.name, location: where(contract.template) };
    }
    case 'invoiceAttribution': {
      const row = await tx.invoiceAttribution.findUnique({
        where: { id: item.id },
        select: { amount: true, currency: true, deal: { select: DEAL }, invoice: { select: { id: true, number: true } } },
      });
      return (
        row && {
          itemType: 'invoice_attribution',
          name: `${row.amount} ${row.currency} to ${row.deal.name}`,
          location: `Invoice: ${row.invoice.number ?? `#${row.invoice.id}`}`,
        }
      );
    }
  }
}

/**
 * Use inside a delete's transaction: describes the object while it is live, and returns what files
 * its bin entry once the delete has stamped it. Nothing is filed when the delete found nothing.
 */
export async function binEntry(tx: ScopedTx, viewer: Viewer, item: BinItem) {
  const description = await describe(tx, item);
  return async (stamp: Date): Promise<void> => {
    if (!description) return;
    await tx.deletedItem.create({
      data: { organizationId: viewer.organization.id, ...description, itemId: item.id, deleterId: viewer.person.id, stamp },
    });
  };
}

// ---- Restoring ---------------------------------------------------------------------------------
//
// One transaction on the bin's client (which sees deleted rows): the entry is taken out of the bin
// first, with a guarded UPDATE (of two concurrent restores one wins; the other finds it restored),
// then the object and exactly the rows carrying its stamp come back. An object whose parent is
// itself still in the bin (an expense of a deleted budget) cannot come back before it.

/** What a restore brings back, to be shown as the node it is. */
export interface Restored {
  entryId: number;
  itemType: ItemType;
  model: BinItem['model'];
  id: number;
}

const MODEL: Partial<Record<ItemType, BinItem['model']>> = {
  deal: 'deal',
  budget: 'deal',
  expense: 'expense',
  invoice: 'invoice',
  contract: 'contract',
  invoice_attribution: 'invoiceAttribution',
};

const parentDeleted = (what: string): UserError => ({
  field: at('id'),
  message: `cannot be restored while its ${what} is in the recycle bin: restore that first`,
  code: 'PARENT_DELETED',
});

const conflict = (why: string): UserError => ({ field: at('id'), message: `cannot be restored: ${why}`, code: 'CONFLICT' });

export async function restoreDeletedItem(bin: ScopedClient, viewer: Viewer, entryId: number): Promise<Result<Restored>> {
  return transact(bin, async (tx) => {
    const mine = { OR: [{ private: false }, { deleterId: viewer.person.id }] };
    const { count } = await tx.deletedItem.updateMany({ where: { AND: [{ id: entryId, recoveredAt: null }, mine] }, data: { recoveredAt: new Date() } });
    const entry = await tx.deletedItem.findFirst({ where: { AND: [{ id: entryId }, mine] } });
    if (!entry) return fail(notFound(at('id'), 'Deleted item'));
    if (count !== 1) return fail({ field: at('id'), message: 'has already been restored', code: 'ALREADY_RESTORED' });
    const model = MODEL[entry.itemType as ItemType];
    if (!model) return fail(conflict(`${entry.itemType} items cannot be restored yet`));
    const result = await bringBack(tx, model, entry.itemId, entry.stamp);
    return result.ok ? ok({ entryId, itemType: entry.itemType as ItemType, model, id: entry.itemId }) : result;
  });
}

const back = { deletedAt: null, deleterId: null };

async function bringBack(tx: ScopedTx, model: BinItem['model'], id: number, stamp: Date): Promise<Result<null>> {
  const live = { deletedAt: null };
  switch (model) {
    case 'deal': {
      const deal = await tx.deal.findFirst({ where: { id, deletedAt: stamp }, select: { companyId: true, contractId: true, date: true } });
      if (!deal) return fail(conflict('it is no longer in the recycle bin'));
      if (!(await tx.company.count({ where: { id: deal.companyId, ...live } }))) return fail(parentDeleted('company'));
      if (deal.contractId !== null) {
        const taken = await tx.deal.count({ where: { contractId: deal.contractId, date: deal.date, ...live } });
        if (taken) return fail(conflict("its contract has generated another budget for the same period"));
      }
      await tx.deal.updateMany({ where: { id, deletedAt: stamp }, data: back });
      // Exactly what went with it: its expenses, its attributions (to live invoices), the contracts it was the template of.
      await tx.expense.updateMany({ where: { dealId: id, deletedAt: stamp }, data: back });
      await tx.invoiceAttribution.updateMany({ where: { dealId: id, deletedAt: stamp, invoice: live }, data: back });
      await tx.contract.updateMany({ where: { templateId: id, deletedAt: stamp }, data: back });
      return ok(null);
    }
    case 'expense': {
      const expense = await tx.expense.findFirst({ where: { id, deletedAt: stamp }, select: { dealId: true, position: true } });
      if (!expense) return fail(conflict('it is no longer in the recycle bin'));
      // Its deal's lock, then its place among the deal's live expenses (see src/domain/expenses.ts).
      if (!(await lockDeals(tx, [expense.dealId]))) return fail(parentDeleted('deal'));
      const taken = await tx.expense.count({ where: { dealId: expense.dealId, position: expense.position, ...live } });
      const position = taken
        ? ((await tx.expense.aggregate({ where: { dealId: expense.dealId, ...live }, _max: { position: true } }))._max.position ?? 0) + 1
        : expense.position;
      await tx.expense.updateMany({ where: { id, deletedAt: stamp }, data: { ...back, position } });
      return ok(null);
    }
    case 'invoice': {
      const invoice = await tx.invoice.findFirst({ where: { id, deletedAt: stamp }, select: { companyId: true, number: true, parentInvoiceId: true } });
      if (!invoice) return fail(conflict('it is no longer in the recycle bin'));
      if (!(await tx.company.count({ where: { id: invoice.companyId, ...live } }))) return fail(parentDeleted('company'));
      if (invoice.parentInvoiceId !== null && !(await tx.invoice.count({ where: { id: invoice.parentInvoiceId, ...live } }))) {
        return fail(parentDeleted('invoice'));
      }
      const notes = await tx.invoice.findMany({ where: { parentInvoiceId: id, deletedAt: stamp }, select: { id: true, number: true } });
      const numbers = [invoice.number, ...notes.map((n) => n.number)].filter((n): n is string => n !== null);
      if (numbers.length && (await tx.invoice.count({ where: { number: { in: numbers }, ...live } }))) {
        return fail(conflict('its number is now used by another invoice'));
      }
      const ids = [id, ...notes.map((n) => n.id)];
      await tx.invoice.updateMany({ where: { id: { in: ids }, deletedAt: stamp }, data: back });
      await tx.invoiceAttribution.updateMany({ where: { invoiceId: { in: ids }, deletedAt: stamp, deal: live }, data: back });
      return ok(null);
    }
    case 'contract': {
      const contract = await tx.contract.findFirst({ where: { id, deletedAt: stamp }, select: { templateId: true } });
      if (!contract) return fail(conflict('it is no longer in the recycle bin'));
      if (!(await tx.deal.count({ where: { id: contract.templateId, ...live } }))) return fail(parentDeleted('template deal'));
      await tx.contract.updateMany({ where: { id, deletedAt: stamp }, data: back });
      return ok(null);
    }
    case 'invoiceAttribution': {
      const row = await tx.invoiceAttribution.findFirst({ where: { id, deletedAt: stamp }, select: { invoiceId: true, dealId: true, amount: true } });
      if (!row) return fail(conflict('it is no longer in the recycle bin'));
      // The invoice's lock before its sum (src/domain/invoice-attributions.ts).
      if (!(await lockInvoices(tx, [row.invoiceId]))) return fail(parentDeleted('invoice'));
      if (!(await tx.deal.count({ where: { id: row.dealId, ...live } }))) return fail(parentDeleted('budget'));
      const invoice = await tx.invoice.findFirstOrThrow({ where: { id: row.invoiceId }, select: { amount: true } });
      const { _sum } = await tx.invoiceAttribution.aggregate({ where: { invoiceId: row.invoiceId, ...live }, _sum: { amount: true } });
      if (exceedsInvoice(invoice.amount, BigInt(_sum.amount ?? 0) + row.amount)) {
        return fail(conflict("the invoice's amount is attributed to other budgets meanwhile"));
      }
      await tx.invoiceAttribution.updateMany({ where: { id, deletedAt: stamp }, data: back });
      return ok(null);
    }
  }
}
