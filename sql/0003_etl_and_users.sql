-- ETL bookkeeping (SPEC §5, §6) and the API's users.

CREATE TABLE etl_runs (
    run_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id        uuid NOT NULL UNIQUE,
    job            text NOT NULL,
    trigger        text NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'cli')),
    status         text NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed')),
    source         text NOT NULL,
    queued_at      timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    rows_read      bigint NOT NULL DEFAULT 0,
    rows_loaded    bigint NOT NULL DEFAULT 0,
    rows_skipped   bigint NOT NULL DEFAULT 0,
    rows_rejected  bigint NOT NULL DEFAULT 0,
    error          text
);
CREATE INDEX etl_runs_newest_idx ON etl_runs (queued_at DESC, run_id DESC);
CREATE INDEX etl_runs_status_idx ON etl_runs (status) WHERE status IN ('queued', 'running');

-- Rows of a CSV file that failed validation: kept with their line and reason.
CREATE TABLE etl_rejects (
    run_id       bigint NOT NULL REFERENCES etl_runs (run_id) ON DELETE CASCADE,
    line_number  bigint NOT NULL,
    raw          text NOT NULL,
    reason       text NOT NULL,
    PRIMARY KEY (run_id, line_number)
);

CREATE TABLE users (
    user_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text COLLATE "C" NOT NULL UNIQUE
                   CHECK (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    password_hash  text NOT NULL,   -- libsodium crypto_pwhash_str (argon2id), never the password
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
