/**
 * Schema migration 6: a cluster's spend budgets (src/cluster/budgets.ts). Policy budgets hold across
 * instances: each payment of a subject with a budget holds its amount in `cluster_budget_holds` (one
 * row per payment in flight, with the instance that holds it) and, fulfilled, moves it to
 * `cluster_budget_spend` (one row per payment: subject, time in ms, amount), both under a transaction
 * lock per subject, so concurrent payments at any instances never spend more than a budget.
 */
export const BUDGET_MIGRATION = {
  name: 'cluster spend budgets',
  sql: `
    CREATE TABLE cluster_budget_holds (
      id text PRIMARY KEY,
      subject text NOT NULL,
      instance text NOT NULL,
      amount numeric(40,0) NOT NULL
    );
    CREATE INDEX cluster_budget_holds_subject ON cluster_budget_holds (subject);
    CREATE TABLE cluster_budget_spend (
      subject text NOT NULL,
      ts bigint NOT NULL,
      amount numeric(40,0) NOT NULL
    );
    CREATE INDEX cluster_budget_spend_subject_ts ON cluster_budget_spend (subject, ts);`,
} as const;
