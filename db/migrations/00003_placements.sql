-- +goose Up
-- Placements posted by employers, searched by advisers.

-- CEFR levels as Norskprøven reports them, in order: comparisons (<=, max)
-- follow the declaration order. db/level.go mirrors this list.
CREATE TYPE cefr_level AS ENUM ('ikke_nok_grunnlag', 'under_a1', 'a1', 'a2', 'b1', 'b2', 'c1');

CREATE TABLE placements (
    id                bigserial PRIMARY KEY,
    organisation_id   bigint      NOT NULL REFERENCES organisations (id),
    kind              text        NOT NULL CHECK (kind IN ('sprakpraksis', 'arbeidspraksis', 'arbeidstrening', 'lonnstilskudd', 'sommerjobb', 'annet')),
    title             text        NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    tasks             text        NOT NULL DEFAULT '' CHECK (length(tasks) <= 4000),
    sector            text        NOT NULL DEFAULT '',
    address           text        NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    municipality      text        NOT NULL DEFAULT '' CHECK (length(municipality) <= 100),
    hours_per_week    smallint    CHECK (hours_per_week BETWEEN 1 AND 40),
    days_per_week     smallint    CHECK (days_per_week BETWEEN 1 AND 7),
    start_date        date,
    end_date          date,       -- NULL with a start date: ongoing
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    seats             smallint    NOT NULL DEFAULT 1 CHECK (seats BETWEEN 1 AND 50),
    -- Filled by agreements (a later issue); kept here so lists and search
    -- need no join to show free seats.
    seats_taken       smallint    NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    -- Norwegian needed per skill; NULL means no requirement.
    level_listening   cefr_level,
    level_reading     cefr_level,
    level_writing     cefr_level,
    level_oral        cefr_level,
    languages         text[]      NOT NULL DEFAULT '{}',
    adaptations       text[]      NOT NULL DEFAULT '{}',
    adaptations_other text        NOT NULL DEFAULT '' CHECK (length(adaptations_other) <= 1000),
    supervisor_name   text        NOT NULL DEFAULT '' CHECK (length(supervisor_name) <= 200),
    supervisor_email  text        NOT NULL DEFAULT '' CHECK (length(supervisor_email) <= 254),
    supervisor_phone  text        NOT NULL DEFAULT '' CHECK (length(supervisor_phone) <= 30),
    status            text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'paused', 'closed')),
    -- Set when an admin takes a placement down; the employer sees why.
    unpublished_reason text       NOT NULL DEFAULT '' CHECK (length(unpublished_reason) <= 1000),
    published_at      timestamptz,
    created_by        bigint      REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    search            tsvector    GENERATED ALWAYS AS (
        setweight(to_tsvector('norwegian', title), 'A') ||
        setweight(to_tsvector('norwegian', tasks), 'B') ||
        setweight(to_tsvector('norwegian', municipality || ' ' || address || ' ' || adaptations_other), 'C')
    ) STORED
);
-- Full-text search over published placements.
CREATE INDEX placements_search_idx ON placements USING gin (search) WHERE status = 'published';
-- The default listing and keyset paging: newest published first. The
-- expression is the search's sort key (db/placement_search.go).
CREATE INDEX placements_published_idx ON placements ((coalesce(published_at, created_at)) DESC, id DESC) WHERE status = 'published';
-- Filters that narrow a lot.
CREATE INDEX placements_kind_idx ON placements (kind, (coalesce(published_at, created_at)) DESC, id DESC) WHERE status = 'published';
CREATE INDEX placements_municipality_idx ON placements (lower(municipality), (coalesce(published_at, created_at)) DESC, id DESC) WHERE status = 'published';
CREATE INDEX placements_languages_idx ON placements USING gin (languages) WHERE status = 'published';
-- An employer's own list.
CREATE INDEX placements_org_idx ON placements (organisation_id, updated_at DESC);

-- Every status change, with who and when (and the reason, for an admin's
-- unpublish). Placements are never deleted: agreements will point to them.
CREATE TABLE placement_events (
    id           bigserial PRIMARY KEY,
    placement_id bigint      NOT NULL REFERENCES placements (id),
    action       text        NOT NULL,
    actor_id     bigint      REFERENCES users (id),
    reason       text        NOT NULL DEFAULT '',
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_events_placement_idx ON placement_events (placement_id, at);

-- +goose Down
DROP TABLE placement_events;
DROP TABLE placements;
DROP TYPE cefr_level;
