-- +goose Up
-- Privacy by the rules (issue 15): consent as a record, two grades of
-- protected address, absence the employer records and the adviser
-- classifies (with the rules per regime as dated rows), retention with an
-- archive bundle before anonymisation, and what the right of access
-- (innsyn) needs. docs/privacy.md is the record of processing this
-- schema implements; docs/plans/issue-15.md lists what the handlers, jobs
-- and views do with it. Runs after 00016 (issue 14), which renamed the
-- regime `ukraine` to `kap6a`; nothing else of 00016 is relied on.

-- A sentinel SQLSTATE (class PX, "Praksis"), raised by the guards below
-- and mapped to db's sentinel errors by translate (db/errors.go), so
-- every path that writes, old or new, gets the same refusal:
--   PX006  the participant has a strictly confidential address (kode 6)
-- What a consent covers is checked in Go before a write (db/consent.go,
-- ErrNoConsent), not by a guard here: the check compares free text (the
-- proposal's note, each adaptation) with what the consent lists.

------------------------------------------------------------------------
-- Protected address: two grades.
------------------------------------------------------------------------
-- 'fortrolig' (kode 7): the address and anything that locates the person
-- stay with the adviser. 'strengt_fortrolig' (kode 6): in addition no
-- proposal, no agreement with employer access, no on-behalf consent
-- (NAV's agreement system refuses the same; such placements are handled
-- outside the portal).
ALTER TABLE participants
    ADD COLUMN protection text NOT NULL DEFAULT 'none' CHECK (protection IN ('none', 'fortrolig', 'strengt_fortrolig')),
    -- Who set the grade, and when (NULL: migrated from the old flag and
    -- not yet confirmed by the adviser).
    ADD COLUMN protection_set_by bigint REFERENCES users (id),
    ADD COLUMN protection_set_at timestamptz;
-- The old flag could not tell kode 6 from kode 7. Kode 7 keeps exactly
-- today's behaviour (address and municipality shown to the adviser only);
-- choosing kode 6 would end running placements of people who may well be
-- kode 7. The rows stay unconfirmed (protection_set_at NULL) so that the
-- adviser is asked to confirm the grade (docs/plans/issue-15.md).
UPDATE participants SET protection = 'fortrolig' WHERE protected_address;

-- protected_address stays while code still reads and writes it (it is
-- dropped in phase 2): this trigger keeps the two in step whichever one a
-- statement sets. Setting the old flag to true on a kode-6 person keeps
-- kode 6.
-- +goose StatementBegin
CREATE FUNCTION participants_protection_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.protection IS NOT DISTINCT FROM OLD.protection
        AND NEW.protected_address IS DISTINCT FROM OLD.protected_address THEN
        NEW.protection := CASE WHEN NOT NEW.protected_address THEN 'none'
            WHEN OLD.protection = 'none' THEN 'fortrolig' ELSE OLD.protection END;
    ELSIF TG_OP = 'INSERT' AND NEW.protection = 'none' AND NEW.protected_address THEN
        NEW.protection := 'fortrolig';
    END IF;
    NEW.protected_address := NEW.protection <> 'none';
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER participants_protection_sync BEFORE INSERT OR UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_protection_sync();

-- The phone number the participant may agree to share with an employer
-- once an agreement is approved by all.
ALTER TABLE participants ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 30);

-- Sick-child days per year depend on the family (folketrygdloven § 9-6):
-- the adviser records which quota applies, nothing more about the family.
ALTER TABLE participants ADD COLUMN sick_child_quota text NOT NULL DEFAULT 'standard'
    CHECK (sick_child_quota IN ('standard', 'many_children', 'single_parent', 'single_parent_many_children'));

------------------------------------------------------------------------
-- Consent as a record.
------------------------------------------------------------------------
-- What a participant agreed to share with one organisation. A change is a
-- new row that replaces the active one (replaced_by), so the history of
-- what was shared with whom, since when, is kept; withdrawing ends the
-- active row. At most one active row per participant and organisation.
CREATE TABLE consents (
    id               bigserial   PRIMARY KEY,
    participant_id   bigint      NOT NULL REFERENCES participants (id),
    organisation_id  bigint      NOT NULL REFERENCES organisations (id),
    -- first_name, levels, languages, note (the adviser's proposal note,
    -- written for the employer), adaptations (the list below), full_name
    -- and phone (shown only once an agreement is approved by all),
    -- end_reason (the real reason an agreement ended; otherwise the
    -- employer sees the neutral "ended early").
    items            text[]      NOT NULL CHECK (items <@ ARRAY['first_name', 'levels', 'languages', 'note', 'adaptations',
        'full_name', 'phone', 'end_reason']::text[]),
    -- Each adaptation the participant agreed to share, in the words the
    -- employer will see.
    adaptations      text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(adaptations) <= 20),
    CHECK ((cardinality(adaptations) > 0) = ('adaptations' = ANY (items))),
    given_how        text        NOT NULL CHECK (given_how IN ('in_person', 'on_behalf', 'by_participant')),
    on_behalf_reason text        CHECK (on_behalf_reason IN ('no_bankid', 'low_digital', 'other')),
    CHECK ((given_how = 'on_behalf') = (on_behalf_reason IS NOT NULL)),
    -- The adviser's own words: never shown to an employer.
    reason_note      text        NOT NULL DEFAULT '' CHECK (length(reason_note) <= 500),
    given_at         timestamptz NOT NULL DEFAULT now(),
    -- NULL when the participant gave it themselves (participant area).
    given_by         bigint      REFERENCES users (id),
    CHECK ((given_how = 'by_participant') = (given_by IS NULL)),
    withdrawn_at     timestamptz,
    withdrawn_by     bigint      REFERENCES users (id),
    -- Set when a new consent replaced this one (then withdrawn_at too).
    replaced_by      bigint      REFERENCES consents (id)
);
CREATE UNIQUE INDEX consents_active_once ON consents (participant_id, organisation_id) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_participant_idx ON consents (participant_id, given_at DESC);

-- Existing agreements: the consent recorded at approval becomes a consent
-- row for the organisation, covering what the employer was shown under it
-- until now (first name, levels, languages, the proposal's note and the
-- adaptations written in the proposal and the agreement), with how it was
-- given, its reason, note, time and adviser. One row per participant and
-- organisation: the latest consent. Proposals without an agreement had no
-- consent and get none: the employer sees nothing of them until the
-- adviser records one.
INSERT INTO consents (participant_id, organisation_id, items, adaptations, given_how, on_behalf_reason, reason_note, given_at, given_by)
SELECT DISTINCT ON (ag.participant_id, ag.organisation_id)
    ag.participant_id, ag.organisation_id,
    ARRAY['first_name', 'levels', 'languages', 'note']::text[]
        || CASE WHEN ad.list = '{}' THEN '{}'::text[] ELSE ARRAY['adaptations'] END,
    ad.list, ag.consent_mode, ag.consent_reason, ag.consent_note, ag.consent_at, coalesce(ag.consent_by, pr.adviser_id)
FROM agreements ag
JOIN proposals pr ON pr.id = ag.proposal_id
CROSS JOIN LATERAL (SELECT coalesce(array_agg(t) FILTER (WHERE t <> ''), '{}') AS list
    FROM unnest(ARRAY[btrim(pr.shared_adaptations), btrim(ag.adaptations)]) AS t) ad
WHERE ag.consent_at IS NOT NULL
ORDER BY ag.participant_id, ag.organisation_id, ag.consent_at DESC;

-- No on-behalf consent for kode 6 (NAV refuses on-behalf approval for
-- them); a consent of any kind for kode 6 shares nothing anyway (db/redact.go).
-- +goose StatementBegin
CREATE FUNCTION consents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.given_how = 'on_behalf' AND NEW.withdrawn_at IS NULL AND EXISTS (
        SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no on-behalf consent' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER consents_guard BEFORE INSERT ON consents FOR EACH ROW EXECUTE FUNCTION consents_guard();

-- No proposal for kode 6, whichever code path inserts it.
-- +goose StatementBegin
CREATE FUNCTION proposals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no proposal' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER proposals_guard BEFORE INSERT ON proposals FOR EACH ROW EXECUTE FUNCTION proposals_guard();

-- No agreement with employer access for kode 6: an agreement cannot be
-- created, nor an approval given, for such a participant. (One made
-- before the grade was set is hidden from the employer by the redaction
-- rule and its further steps are blocked.)
-- +goose StatementBegin
CREATE FUNCTION agreements_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP = 'INSERT'
        OR (NEW.employer_approved_at IS NOT NULL AND OLD.employer_approved_at IS NULL)
        OR (NEW.consent_at IS NOT NULL AND OLD.consent_at IS NULL)
        OR (NEW.adviser_approved_at IS NOT NULL AND OLD.adviser_approved_at IS NULL))
        AND EXISTS (SELECT 1 FROM participants WHERE id = NEW.participant_id AND protection = 'strengt_fortrolig') THEN
        RAISE EXCEPTION 'kode 6: no agreement with employer access' USING ERRCODE = 'PX006';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER agreements_guard BEFORE INSERT OR UPDATE OF employer_approved_at, consent_at, adviser_approved_at ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_guard();

------------------------------------------------------------------------
-- Absence: the employer records, the adviser classifies.
------------------------------------------------------------------------
-- What the employer saw on a day: present (hours), absent and notified,
-- absent and not notified, or not a work day. 'absent' alone is a day
-- logged before the employer was asked whether it was notified.
ALTER TABLE attendance ADD COLUMN mark text
    CHECK (mark IN ('present', 'absent_notified', 'absent_not_notified', 'absent', 'not_work_day'));
UPDATE attendance SET mark = CASE WHEN present THEN 'present' ELSE 'absent' END;
-- attendance.absence is from now on only the employer's old category:
-- "proposed by the employer, not classified" (the migration moves no
-- category into a classification). New rows from the employer's week form
-- carry a mark and no category (phase 2); until then old code still
-- writes a category, which stays a proposal. A not-work-day row is
-- neither present nor absent.
ALTER TABLE attendance DROP CONSTRAINT attendance_check;
ALTER TABLE attendance ADD CONSTRAINT attendance_absence_only_when_absent CHECK (absence IS NULL OR NOT present);
ALTER TABLE attendance ADD CONSTRAINT attendance_mark_present CHECK (mark IS NULL OR (mark = 'present') = present);
COMMENT ON COLUMN attendance.absence IS 'the employer''s proposed category (legacy); never a classification';

-- The adviser's classification of a day of absence, across the programme:
-- a day an employer reported, or a programme day outside a placement
-- (school, the programme's own activities). One row per participant and
-- day; a change is an update, recorded in audit_log with the old and new
-- classification.
CREATE TABLE absence_classifications (
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    day            date        NOT NULL,
    classification text        NOT NULL CHECK (classification IN ('own_illness_egenmelding', 'illness_doctor_note', 'sick_child',
        'welfare_leave', 'approved_leave', 'other_valid', 'invalid')),
    -- The adviser's own words; never shown to an employer.
    note           text        NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    classified_by  bigint      NOT NULL REFERENCES users (id),
    classified_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, day)
);

-- The absence rules per regime, with dates (DOMAIN.md: configurable).
-- The newest row with valid_from <= day < valid_to (or open) applies.
-- Sources: IMDi publishes separate absence rules for introduksjonsloven,
-- integreringsloven and kap. 6A; they mirror working life:
-- folketrygdloven § 8-24 (egenmelding: up to 3 calendar days at a time,
-- at most 4 times in 12 months, after 2 months' work — here 8 weeks in the
-- programme), § 8-19 (a new period counts separately only 16 days after
-- the last) and § 9-6 (sick-child days a calendar year: 10, 15 with more
-- than two children, doubled for single parents: 20, 30). The values are
-- marked for the municipality's legal adviser to confirm against IMDi's
-- current guides before use (admin: dated programme rules).
CREATE TABLE absence_rules (
    regime                        text     NOT NULL CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'kap6a')),
    valid_from                    date     NOT NULL,
    valid_to                      date     CHECK (valid_to > valid_from),
    egenmelding_max_days          smallint NOT NULL CHECK (egenmelding_max_days BETWEEN 1 AND 16),
    egenmelding_after_weeks       smallint NOT NULL CHECK (egenmelding_after_weeks BETWEEN 0 AND 52),
    egenmelding_max_times         smallint NOT NULL CHECK (egenmelding_max_times BETWEEN 1 AND 52),
    egenmelding_window_months     smallint NOT NULL CHECK (egenmelding_window_months BETWEEN 1 AND 24),
    egenmelding_min_gap_days      smallint NOT NULL CHECK (egenmelding_min_gap_days BETWEEN 0 AND 60),
    sick_child_days               smallint NOT NULL CHECK (sick_child_days >= 0),
    sick_child_days_many_children smallint NOT NULL CHECK (sick_child_days_many_children >= 0),
    sick_child_days_single        smallint NOT NULL CHECK (sick_child_days_single >= 0),
    sick_child_days_single_many   smallint NOT NULL CHECK (sick_child_days_single_many >= 0),
    source                        text     NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    updated_by                    bigint   REFERENCES users (id),
    PRIMARY KEY (regime, valid_from)
);
INSERT INTO absence_rules VALUES
    ('integreringsloven', DATE '2021-01-01', NULL, 3, 8, 4, 12, 16, 10, 15, 20, 30,
        'IMDi: fravær i introduksjonsprogrammet (integreringsloven); folketrygdloven §§ 8-19, 8-24, 9-6. To confirm.', NULL),
    ('introduksjonsloven', DATE '2004-09-01', NULL, 3, 8, 4, 12, 16, 10, 15, 20, 30,
        'IMDi: fravær i introduksjonsprogrammet (introduksjonsloven); folketrygdloven §§ 8-19, 8-24, 9-6. To confirm.', NULL),
    ('kap6a', DATE '2022-03-11', NULL, 3, 8, 4, 12, 16, 10, 15, 20, 30,
        'IMDi: fravær, integreringsloven kapittel 6A; folketrygdloven §§ 8-19, 8-24, 9-6. To confirm.', NULL);

------------------------------------------------------------------------
-- Retention and the archive.
------------------------------------------------------------------------
-- An anonymised participant keeps the row (the measures point to it) under
-- a random id; name, birth year, phone, address and the rest are gone.
ALTER TABLE participants
    ADD COLUMN anonymised_at timestamptz,
    ADD COLUMN pseudonym     uuid UNIQUE;
ALTER TABLE participants DROP CONSTRAINT participants_first_name_check,
    DROP CONSTRAINT participants_last_name_check,
    DROP CONSTRAINT participants_birth_year_check,
    ALTER COLUMN birth_year DROP NOT NULL;
ALTER TABLE participants
    ADD CONSTRAINT participants_first_name_check CHECK (length(first_name) BETWEEN 1 AND 100 OR (anonymised_at IS NOT NULL AND first_name = '')),
    ADD CONSTRAINT participants_last_name_check CHECK (length(last_name) BETWEEN 1 AND 100 OR (anonymised_at IS NOT NULL AND last_name = '')),
    ADD CONSTRAINT participants_birth_year_check CHECK (birth_year BETWEEN 1940 AND 2015 OR (anonymised_at IS NOT NULL AND birth_year IS NULL)),
    ADD CONSTRAINT participants_anonymised_pseudonym CHECK ((anonymised_at IS NULL) = (pseudonym IS NULL));
-- The nightly step finds the ended programmes not yet anonymised.
CREATE INDEX participants_retention_idx ON participants (programme_end) WHERE anonymised_at IS NULL;

-- The archive bundle of a participant (a printable document of the plan,
-- agreements, attendance summary and outcomes) for the municipality's
-- archive, made before anonymisation and listed on /admin/archive. The
-- anonymisation waits until it was downloaded or the grace period passed;
-- the content is cleared once the participant is anonymised and the
-- bundle was downloaded (the archive then holds it).
CREATE TABLE archive_bundles (
    id             bigserial   PRIMARY KEY,
    participant_id bigint      NOT NULL UNIQUE REFERENCES participants (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    content_type   text        NOT NULL DEFAULT 'text/html; charset=utf-8',
    content        bytea,
    downloaded_at  timestamptz,
    downloaded_by  bigint      REFERENCES users (id),
    cleared_at     timestamptz,
    CHECK ((content IS NULL) = (cleared_at IS NOT NULL))
);

-- The audit log is pruned by date.
CREATE INDEX audit_log_at_idx ON audit_log (at);
-- Innsyn lists who read a participant's record and their agreements.
-- (audit_log_entity_idx (entity, entity_id, at) serves it.)

-- Mails about a participant, for innsyn and for scrubbing at
-- anonymisation; set when a mail is queued about one person (phase 2).
ALTER TABLE outbox ADD COLUMN participant_id bigint REFERENCES participants (id);
CREATE INDEX outbox_participant_idx ON outbox (participant_id) WHERE participant_id IS NOT NULL;

-- +goose Down
-- Undoing this migration gives back the old schema where it can say the
-- same thing, and refuses where it cannot (docs/operations.md,
-- "Migrations"):
--   - an anonymised participant has no name and no birth year, which the
--     old schema requires: nothing faithful can be put back, so Down stops
--     and names why (restore a backup taken before the anonymisation);
--   - a 'not_work_day' row becomes no row ("no row: not a working day",
--     00006);
--   - a day of absence without the employer's category takes the
--     adviser's classification in the old categories; one with neither
--     has no honest category, so Down stops and names it.
-- +goose StatementBegin
DO $$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM participants WHERE anonymised_at IS NOT NULL;
    IF n > 0 THEN
        RAISE EXCEPTION '00017 down: % participant(s) are anonymised; the schema before 00017 needs a name and a birth year, which were erased. This migration is one-way once anyone is anonymised: restore a backup taken before it (docs/operations.md, "Migrations")', n;
    END IF;
    DELETE FROM attendance WHERE mark = 'not_work_day';
    UPDATE attendance at SET absence = CASE ac.classification
            WHEN 'own_illness_egenmelding' THEN 'illness' WHEN 'illness_doctor_note' THEN 'illness'
            WHEN 'sick_child' THEN 'sick_child' WHEN 'welfare_leave' THEN 'welfare'
            WHEN 'invalid' THEN 'invalid' ELSE 'other_valid' END
        FROM agreements ag, absence_classifications ac
        WHERE NOT at.present AND at.absence IS NULL AND ag.id = at.agreement_id
            AND ac.participant_id = ag.participant_id AND ac.day = at.day;
    SELECT count(*) INTO n FROM attendance WHERE NOT present AND absence IS NULL;
    IF n > 0 THEN
        RAISE EXCEPTION '00017 down: % day(s) of absence have neither the employer''s category nor the adviser''s classification, which the schema before 00017 requires; classify them first (docs/operations.md, "Migrations")', n;
    END IF;
END $$;
-- +goose StatementEnd
DROP INDEX outbox_participant_idx;
ALTER TABLE outbox DROP COLUMN participant_id;
DROP INDEX audit_log_at_idx;
DROP TABLE archive_bundles;
DROP INDEX participants_retention_idx;
ALTER TABLE participants DROP CONSTRAINT participants_anonymised_pseudonym,
    DROP CONSTRAINT participants_first_name_check, DROP CONSTRAINT participants_last_name_check,
    DROP CONSTRAINT participants_birth_year_check;
ALTER TABLE participants ALTER COLUMN birth_year SET NOT NULL,
    ADD CONSTRAINT participants_first_name_check CHECK (length(first_name) BETWEEN 1 AND 100),
    ADD CONSTRAINT participants_last_name_check CHECK (length(last_name) BETWEEN 1 AND 100),
    ADD CONSTRAINT participants_birth_year_check CHECK (birth_year BETWEEN 1940 AND 2015);
ALTER TABLE participants DROP COLUMN pseudonym, DROP COLUMN anonymised_at;
DROP TABLE absence_rules;
DROP TABLE absence_classifications;
ALTER TABLE attendance DROP CONSTRAINT attendance_mark_present, DROP CONSTRAINT attendance_absence_only_when_absent;
ALTER TABLE attendance ADD CONSTRAINT attendance_check CHECK (present = (absence IS NULL));
ALTER TABLE attendance DROP COLUMN mark;
DROP TRIGGER agreements_guard ON agreements;
DROP FUNCTION agreements_guard();
DROP TRIGGER proposals_guard ON proposals;
DROP FUNCTION proposals_guard();
DROP TRIGGER consents_guard ON consents;
DROP FUNCTION consents_guard();
DROP TABLE consents;
ALTER TABLE participants DROP COLUMN sick_child_quota, DROP COLUMN phone;
DROP TRIGGER participants_protection_sync ON participants;
DROP FUNCTION participants_protection_sync();
ALTER TABLE participants DROP COLUMN protection_set_at, DROP COLUMN protection_set_by, DROP COLUMN protection;
