-- +goose Up
-- search_terms_trgm_idx (migration 00013) is a GIN index, which by default
-- (fastupdate) queues new entries in a pending list that every scan reads
-- in full and rechecks, until a vacuum or 4 MB of entries moves them into
-- the index. The table is small and written rarely (new words only), so
-- the list was never flushed: 00013 fills the table after creating the
-- index, and at national scale all 1,875 words sat in the list (57 pages).
-- Every search looks its words up through this index (searchWords, one
-- scan per typed word): 0.34 ms a scan with the list, 0.02 ms without;
-- the whole lookup 0.50 → 0.16 ms (docs/benchmarks.md, "Search speed
-- against the old binary"). Without fastupdate a new word goes straight
-- into the index; the list is flushed here.
ALTER INDEX search_terms_trgm_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('search_terms_trgm_idx'::regclass);

-- +goose Down
ALTER INDEX search_terms_trgm_idx RESET (fastupdate);
