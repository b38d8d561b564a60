-- +goose Up
-- Reminder rule 5 ("the agreement ends soon"): the supervisor answers
-- "can you offer work or an extension?" with one of three one-click links
-- in the digest (link purpose offer_answer); the latest answer is kept on
-- the agreement and shown to the adviser.
ALTER TABLE agreements
    ADD COLUMN offer_answer      text CHECK (offer_answer IN ('job', 'extension', 'no')),
    ADD COLUMN offer_answered_at timestamptz,
    ADD CONSTRAINT agreements_offer_answer_at CHECK ((offer_answer IS NULL) = (offer_answered_at IS NULL));

-- Reminder rule 1 ("the agreement starts tomorrow"): a digest can carry an
-- iCalendar body (VCALENDAR with one VEVENT per starting agreement), sent
-- as a text/calendar attachment praksis.ics. NULL: no attachment.
ALTER TABLE outbox ADD COLUMN ics text;

-- +goose Down
ALTER TABLE outbox DROP COLUMN ics;
ALTER TABLE agreements DROP CONSTRAINT agreements_offer_answer_at,
    DROP COLUMN offer_answered_at, DROP COLUMN offer_answer;
