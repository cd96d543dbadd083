// Calendar events and bookings as clients read them, for the files of both (test/calendar-events.test.ts,
// test/bookings.test.ts): the two lists and a booking's restore.
import { graphql } from '../generated/index.js';

/** `events` with each event's first bookings. */
export const Events = graphql(`
  query HelperEvents($filter: EventFilter, $orderBy: [EventOrder!]) {
    events(filter: $filter, orderBy: $orderBy) { totalCount nodes { id name paid bookings(first: 10) { totalCount nodes { id } } } }
  }
`);

export const Bookings = graphql(`
  query HelperBookings($filter: BookingFilter, $orderBy: [BookingOrder!]) {
    bookings(filter: $filter, orderBy: $orderBy) { totalCount nodes { id startedOn } }
  }
`);

export const RestoreBooking = graphql(`
  mutation HelperRestoreBooking($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Booking { id time service { id } event { id } person { id } } }
      userErrors { field message code }
    }
  }
`);
