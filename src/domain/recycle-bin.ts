// The recycle bin. Every delete mutation soft-deletes its object, with what belongs to it, under
// one `deletedAt` moment (the stamp), and puts one entry in the bin here, in the same transaction:
// the item's type, id, name and location as the reference shows them, the deleter and the stamp.
// What went with the object (a deal's expenses, an invoice's attributions) has no entry of its
// own: restoring the entry brings back exactly the rows carrying its stamp.
import type { ScopedTx } from '../db/transaction.js';
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
