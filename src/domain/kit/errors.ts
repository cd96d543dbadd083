// A mistake in a query's arguments (a bad cursor, an id of the wrong type, a value out of range),
// raised by plain functions that know nothing of GraphQL. The server turns it into a
// `BAD_USER_INPUT` error naming the argument; its message is written for the client.
export class BadInput extends Error {
  constructor(
    message: string,
    /** The argument at fault, e.g. `after` or `filter.dealIds`. */
    readonly argument?: string,
  ) {
    super(message);
    this.name = 'BadInput';
  }
}

// Mistakes an operator can fix from the message alone (an unknown email, an organization id that
// does not exist, a duplicate membership). The CLI prints the message on one line and exits with 1;
// no stack trace, which would only bury it (run with --verbose or DEBUG set to see one anyway).
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}
