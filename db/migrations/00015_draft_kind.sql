-- +goose Up
-- A draft placement can be saved with a title alone (issue 20: the form
-- promises "save a draft at any time"): its kind may wait until it is
-- published: a placement advisers can see (published or paused) always
-- has one. (The preview offers no "close" on a draft, but an old request
-- may still close one, so a closed placement may lack a kind too.)
ALTER TABLE placements ALTER COLUMN kind DROP NOT NULL;
ALTER TABLE placements ADD CONSTRAINT placements_kind_unless_draft CHECK (kind IS NOT NULL OR status IN ('draft', 'closed'));

-- +goose Down
UPDATE placements SET kind = 'annet' WHERE kind IS NULL;
ALTER TABLE placements DROP CONSTRAINT placements_kind_unless_draft;
ALTER TABLE placements ALTER COLUMN kind SET NOT NULL;
