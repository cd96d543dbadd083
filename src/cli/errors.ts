// Mistakes an operator can fix from the message alone (an unknown email, an organization id that
// does not exist, a duplicate membership). The CLI prints the message on one line and exits with 1;
// no stack trace, which would only bury it (run with --verbose or DEBUG set to see one anyway).
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}
