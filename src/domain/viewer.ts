// Who is acting, and for which organization: decided once per request by the server (auth), then
// handed to domain functions, which depend on nothing above them.
export interface Viewer {
  person: { id: number; firstName: string; lastName: string; email: string };
  organization: { id: number; name: string; defaultCurrency: string };
}
