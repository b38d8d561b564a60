-- +goose Up
-- The employer's approval of an agreement confirms its duties (issue 15):
-- working environment and safety training, occupational injury insurance,
-- confidentiality, and that the placement never replaces ordinary staff.
-- Stored with the approval; NULL for approvals given before the
-- confirmation was asked for.
ALTER TABLE agreements ADD COLUMN employer_duties_confirmed_at timestamptz;

-- +goose Down
ALTER TABLE agreements DROP COLUMN employer_duties_confirmed_at;
