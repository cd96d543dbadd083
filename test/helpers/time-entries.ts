// Time entries as clients read, delete and restore them, for the files of time entries and of the
// services they belong to (test/time-entries.test.ts, test/services.test.ts).
import { graphql } from '../generated/index.js';

export const TimeEntries = graphql(`
  query HelperTimeEntries($filter: TimeEntryFilter, $orderBy: [TimeEntryOrder!]) {
    timeEntries(filter: $filter, orderBy: $orderBy) { totalCount nodes { id date time } }
  }
`);

export const DeleteTimeEntry = graphql(`
  mutation HelperDeleteTimeEntry($input: DeleteTimeEntryInput!) {
    deleteTimeEntry(input: $input) { deletedTimeEntryId userErrors { field message code } }
  }
`);

export const RestoreTimeEntry = graphql(`
  mutation HelperRestoreTimeEntry($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on TimeEntry { id time service { id } person { id } task { id } } }
      userErrors { field message code }
    }
  }
`);
