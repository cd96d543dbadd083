// Mutations through the API answering little more than their user errors' codes, for the tests of
// what a change does elsewhere (the bin, restore rules, change events, webhooks, cascades), not of
// the mutation itself.
import { expect } from 'vitest';
import type { App } from '../../src/http/app.js';
import { graphql } from '../generated/index.js';
import { as, data } from './app.js';
import { gid, type Tenant } from './fixtures.js';

export const CreateExpense = graphql(`
  mutation HelperCreateExpense($input: CreateExpenseInput!) { createExpense(input: $input) { expense { id } userErrors { code } } }
`);
export const ApproveExpense = graphql(`
  mutation HelperApproveExpense($input: ApproveExpenseInput!) { approveExpense(input: $input) { userErrors { code } } }
`);

export const DeleteDeal = graphql(`mutation HelperDeleteDeal($input: DeleteDealInput!) { deleteDeal(input: $input) { userErrors { code } } }`);
export const DeleteExpense = graphql(`mutation HelperDeleteExpense($input: DeleteExpenseInput!) { deleteExpense(input: $input) { userErrors { code } } }`);
export const DeleteInvoice = graphql(`mutation HelperDeleteInvoice($input: DeleteInvoiceInput!) { deleteInvoice(input: $input) { userErrors { code } } }`);
export const DeleteContract = graphql(`mutation HelperDeleteContract($input: DeleteContractInput!) { deleteContract(input: $input) { userErrors { code } } }`);
export const DeleteService = graphql(`mutation HelperDeleteService($input: DeleteServiceInput!) { deleteService(input: $input) { userErrors { code } } }`);
export const DeleteAttribution = graphql(`
  mutation HelperDeleteAttribution($input: DeleteInvoiceAttributionInput!) { deleteInvoiceAttribution(input: $input) { userErrors { code } } }
`);

/** A 12.50 USD travel expense on the tenant's USD deal, created through the API: its global id. */
export async function apiExpense(app: App, tenant: Tenant, name: string): Promise<string> {
  const input = {
    name, dealId: gid('Deal', tenant.deals.usd), serviceTypeId: gid('ServiceType', tenant.serviceTypes.travel),
    amount: 1250, currency: 'USD', date: '2021-03-01',
  };
  const { createExpense } = await data(app, CreateExpense, { input }, as(tenant));
  expect(createExpense.userErrors).toEqual([]);
  return createExpense.expense!.id;
}
