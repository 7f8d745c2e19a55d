-- The audited decisions of every replica (docs/history.md). One row per decision id; the record
-- column is the audit line exactly as the audit file holds it (values of secret-looking variables
-- already masked); the other columns are copied out of it for the filters and their indexes.
CREATE TABLE decisions (
  decision_id text COLLATE "C" PRIMARY KEY,
  decided_at timestamptz NOT NULL,
  user_name text,
  groups text[] NOT NULL,
  image text,
  size text,
  allowed boolean NOT NULL,
  rules text[] NOT NULL,
  revision text,
  record text NOT NULL
);

-- Newest first with keyset paging on (decided_at, decision_id): all, and by user.
CREATE INDEX decisions_by_time ON decisions (decided_at DESC, decision_id DESC);
CREATE INDEX decisions_by_user ON decisions (user_name, decided_at DESC, decision_id DESC);
-- Containment (groups @> ARRAY[g], rules @> ARRAY[r]).
CREATE INDEX decisions_by_group ON decisions USING gin (groups);
CREATE INDEX decisions_by_rule ON decisions USING gin (rules);
