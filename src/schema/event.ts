// Filled in by the issue 11 item types.
