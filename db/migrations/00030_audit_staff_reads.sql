-- +goose NO TRANSACTION
-- +goose Up
-- "Who has read my record" on the participant's own page (issue 16,
-- db.ParticipantReaders) reads the audit rows of people with an account
-- about one participant and their agreements. The participant's own reads
-- are audited on the same entity with no actor, so through
-- audit_log_entity_idx the page read (and threw away) every page the
-- participant had ever opened: 136 ms for 7,000 of them on the national
-- copy (docs/benchmarks.md). This index holds only rows with an actor.
-- CONCURRENTLY: audit_log is written by every request and is the largest
-- table; a plain CREATE INDEX would stop every page for the build's time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_actor_entity_idx ON audit_log (entity, entity_id, at)
    WHERE actor_id IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS audit_log_actor_entity_idx;
