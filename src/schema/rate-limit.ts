// Filled in by issue 12 (rate limits).
