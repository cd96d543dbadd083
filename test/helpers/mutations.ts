// Mutations through the API answering little more than their user errors' codes, for the tests of
// what a change does elsewhere (the bin, restore rules, change events, webhooks, cascades), not of
// the mutation itself.
import { graphql } from '../generated/index.js';

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
