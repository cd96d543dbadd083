// Who the demo organization's first member is, apart from the demo itself (src/domain/demo.ts): the
// CLI's default person and its demo-token rotation need the email without loading every domain
// module the demo's seed writes through.

/** The demo organization's first member (an admin), whose token `npm start` prints. */
export const DEMO_EMAIL = 'demo@example.com';
