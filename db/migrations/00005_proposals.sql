-- +goose Up
-- An adviser proposes a participant for a placement; the employer accepts
-- or declines with a reason. Accepting takes a seat (placements.seats_taken)
-- under a row lock, so a placement is never overbooked. The agreement that
-- follows an acceptance is the next step (its own migration).
CREATE TABLE proposals (
    id                bigserial PRIMARY KEY,
    participant_id    bigint      NOT NULL REFERENCES participants (id),
    placement_id      bigint      NOT NULL REFERENCES placements (id),
    adviser_id        bigint      NOT NULL REFERENCES users (id),
    note              text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    -- What the adviser chose to tell the employer about adaptations.
    shared_adaptations text       NOT NULL DEFAULT '' CHECK (length(shared_adaptations) <= 1000),
    status            text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'declined', 'withdrawn')),
    decline_reason    text        NOT NULL DEFAULT '' CHECK (length(decline_reason) <= 1000),
    decided_by        bigint      REFERENCES users (id),
    decided_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- One open or accepted proposal per participant and placement.
CREATE UNIQUE INDEX proposals_open_once ON proposals (participant_id, placement_id) WHERE status IN ('proposed', 'accepted');
CREATE INDEX proposals_placement_idx ON proposals (placement_id, created_at DESC);
CREATE INDEX proposals_participant_idx ON proposals (participant_id, created_at DESC);

-- +goose Down
DROP TABLE proposals;
