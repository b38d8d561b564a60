-- +goose Up
-- Search that finds what people type (issue 17; docs/benchmarks.md
-- "Search" has the approach and the alternatives measured).
--
-- Only extensions that ship with PostgreSQL and are trusted (a database
-- owner may create them without superuser rights, as on a managed
-- PostgreSQL; docs/operations.md): unaccent, pg_trgm, fuzzystrmatch.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Lower case without accents: 'Kafé' and 'kafe' are one word, and 'ø',
-- 'æ', 'å' become 'o', 'ae', 'a' (what a person without a Norwegian
-- keyboard types). unaccent() is only STABLE (it looks its dictionary up
-- by name on the search path), so it cannot be used in an index or a
-- generated column; this wrapper names the dictionary by schema, which
-- makes the result fixed, and may therefore be declared IMMUTABLE — the
-- usual way to use unaccent in an index on a managed PostgreSQL.
-- +goose StatementBegin
CREATE FUNCTION search_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, s))
$$;
-- +goose StatementEnd

-- The text search configuration of the placement search: words as they
-- are, without accents, lower-cased, not stemmed, without Norwegian
-- stopwords ('og', 'i', 'på': a query 'jobb i barnehage' must not require
-- an 'i', and they made the vector half as big again). The Norwegian
-- snowball stemmer neither splits compounds nor knows accents, and it
-- conflates words a person means apart ('lager' and 'lage' are both
-- 'lag'); the search instead expands each word it is given to the words
-- of the placements that begin or end with it (db/placement_search.go).
-- praksis_stop drops a stopword and passes every other word on
-- (ACCEPT = false) to unaccent, then simple (lower case). The stopword
-- list and the unaccent rules ship with PostgreSQL and the extension: no
-- file to install. praksis_words is the same without unaccent, for the
-- words as written (search_terms).
CREATE TEXT SEARCH DICTIONARY praksis_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = norwegian, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION praksis_fold (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION praksis_fold
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH praksis_stop, public.unaccent, pg_catalog.simple;
CREATE TEXT SEARCH CONFIGURATION praksis_words (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION praksis_words
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH praksis_stop, pg_catalog.simple;

-- The organisation's name is searched with the placement's own text, so
-- it is copied onto the placement (a generated column cannot read
-- another table) and kept current by the two triggers below. A join
-- instead would rank every match through a second table; see the
-- benchmarks.
ALTER TABLE placements ADD COLUMN org_name text NOT NULL DEFAULT '';
UPDATE placements p SET org_name = o.name FROM organisations o WHERE o.id = p.organisation_id;

-- +goose StatementBegin
CREATE FUNCTION placements_org_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT o.name INTO NEW.org_name FROM organisations o WHERE o.id = NEW.organisation_id;
    NEW.org_name := coalesce(NEW.org_name, '');
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER placements_org_name BEFORE INSERT OR UPDATE OF organisation_id ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_org_name();

-- +goose StatementBegin
CREATE FUNCTION organisations_name_to_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placements SET org_name = NEW.name WHERE organisation_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER organisations_name_to_placements AFTER UPDATE OF name ON organisations
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION organisations_name_to_placements();

-- The searchable vector, now unstemmed and folded, with the
-- organisation's name. Title first (A), then the employer and the tasks
-- (B), then where (C). The filter index of migration 00011 is rebuilt on
-- it.
DROP INDEX placements_search_filters_idx;
ALTER TABLE placements DROP COLUMN search;
ALTER TABLE placements ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('praksis_fold', title), 'A') ||
    setweight(to_tsvector('praksis_fold', org_name || ' ' || tasks), 'B') ||
    setweight(to_tsvector('praksis_fold', municipality || ' ' || address || ' ' || adaptations_other), 'C')
) STORED;
CREATE INDEX placements_search_filters_idx ON placements
    USING gin (search, kind, sector, lower(municipality)) WHERE status = 'published';

-- Every word that has appeared in a placement, as written (lower case)
-- and folded. The search looks a typed word up here (a few thousand
-- rows, trigram-indexed) to find the words that contain it or are one
-- typo away, and then asks the placements' GIN index for those; "Mente
-- du …?" suggests from here. Words are only added: one no placement has
-- any more costs a term in a query, nothing else, and a suggestion is
-- only made after checking that it has hits.
CREATE TABLE search_terms (
    word text PRIMARY KEY,
    term text NOT NULL GENERATED ALWAYS AS (search_fold(word)) STORED
);
CREATE INDEX search_terms_trgm_idx ON search_terms USING gin (term gin_trgm_ops);

-- +goose StatementBegin
CREATE FUNCTION placements_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Lexemes of a tsvector come sorted, so two writers add shared new
    -- words in the same order and cannot deadlock on them.
    INSERT INTO search_terms (word)
    SELECT lexeme FROM unnest(to_tsvector('praksis_words', NEW.title || ' ' || NEW.org_name || ' ' || NEW.tasks || ' ' ||
        NEW.municipality || ' ' || NEW.address || ' ' || NEW.adaptations_other))
    WHERE length(lexeme) BETWEEN 2 AND 60
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER placements_search_terms_ins AFTER INSERT ON placements
    FOR EACH ROW EXECUTE FUNCTION placements_search_terms();
CREATE TRIGGER placements_search_terms_upd AFTER UPDATE ON placements
    FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search) EXECUTE FUNCTION placements_search_terms();
INSERT INTO search_terms (word)
SELECT DISTINCT lexeme FROM placements, unnest(to_tsvector('praksis_words', title || ' ' || org_name || ' ' || tasks || ' ' ||
    municipality || ' ' || address || ' ' || adaptations_other))
WHERE length(lexeme) BETWEEN 2 AND 60
ON CONFLICT DO NOTHING;

-- Names spelt more than one way (each rule is numbered below; TestNameKey,
-- db/names_test.go, holds the pairs that must and must not match). name_word
-- reduces one word of a name to a key; name_key gives a name's keys, each
-- between spaces, so a search word matches where a key begins
-- (LIKE '% word%'): the words of the name, the name with hyphens joined
-- ('Anne-Marie' is also 'annemarie'), and a name after an Arabic article
-- also without it ('Al-Sayed' is 'alsaiad' and 'saiad').
-- +goose StatementBegin
CREATE FUNCTION name_word(w text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT regexp_replace(                                  -- 7. an unstressed vowel before a final r: Oleksander = Oleksandr
           regexp_replace(                                  -- 6. doubled letters once: Mohammed = Mohamed, Iuliia = Iulia
           translate(                                       -- 5. vowel classes: e/a, o/u, i/y/j
           regexp_replace(                                  -- 4. Ukrainian O- and Russian A-: Oleksandr = Aleksandr
           replace(replace(replace(replace(replace(replace(  -- 3. transliteration: ks/x, f/ph, h/kh, u/ou, i/ee, v/w
               w, 'x', 'ks'), 'ph', 'f'), 'kh', 'h'), 'ou', 'u'), 'ee', 'i'), 'w', 'v'),
           '^o([lk])', 'a\1'),
           'eoyj', 'auii'),
           '(.)\1+', '\1', 'g'),
           '([^aiu])ar$', '\1r')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION name_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    WITH folded AS (                                        -- 1. no accents, case or apostrophes
        SELECT regexp_replace(search_fold(name), '[''’`´ʼ]', '', 'g') AS s
    ), joined AS (                                          -- 2. an Arabic article joined to its name: el Sayed = Al-Sayed = alsayed
        SELECT regexp_replace(s, '(^|[^[:alpha:]])[ae]l[ -]+([[:alpha:]])', '\1al\2', 'g') AS s FROM folded
    ), words AS (
        SELECT w FROM joined, regexp_split_to_table(s, '[^[:alnum:]]+') w
        UNION SELECT w FROM joined, regexp_split_to_table(replace(s, '-', ''), '[^[:alnum:]]+') w
    ), keys AS (
        SELECT name_word(w) AS k FROM words WHERE w <> ''
        UNION SELECT name_word(substr(w, 3)) FROM words WHERE w ~ '^al[[:alpha:]]{3,}'
    )
    SELECT ' ' || coalesce(string_agg(k, ' ' ORDER BY k), '') || ' ' FROM keys
$$;
-- +goose StatementEnd

-- name_patterns turns what a person typed into one LIKE pattern per word,
-- a hyphen separating words (every word must begin a key of the name;
-- 'anne-marie' finds Anne Marie and Anne-Marie), or NULL when a word is
-- shorter than three letters: a key that short matches too much, and the
-- plain substring search still finds it. The query may be LIKE-escaped:
-- escapes are neither letters nor digits, the only characters kept.
-- +goose StatementBegin
CREATE FUNCTION name_patterns(query text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    WITH folded AS (
        SELECT regexp_replace(regexp_replace(search_fold(query), '[''’`´ʼ]', '', 'g'),
            '(^|[^[:alpha:]])[ae]l[ -]+([[:alpha:]])', '\1al\2', 'g') AS s
    ), words AS (
        SELECT name_word(w) AS k FROM folded, regexp_split_to_table(s, '[^[:alnum:]]+') w WHERE w <> ''
    )
    SELECT CASE WHEN count(*) > 0 AND min(length(k)) >= 3 THEN array_agg('% ' || k || '%') END FROM words
$$;
-- +goose StatementEnd

ALTER TABLE participants ADD COLUMN name_key text NOT NULL GENERATED ALWAYS AS (name_key(first_name || ' ' || last_name)) STORED;
ALTER TABLE users ADD COLUMN name_key text NOT NULL GENERATED ALWAYS AS (name_key(name)) STORED;

-- +goose Down
ALTER TABLE users DROP COLUMN name_key;
ALTER TABLE participants DROP COLUMN name_key;
DROP FUNCTION name_patterns(text);
DROP FUNCTION name_key(text);
DROP FUNCTION name_word(text);
DROP TRIGGER placements_search_terms_upd ON placements;
DROP TRIGGER placements_search_terms_ins ON placements;
DROP FUNCTION placements_search_terms();
DROP TABLE search_terms;
DROP INDEX placements_search_filters_idx;
ALTER TABLE placements DROP COLUMN search;
ALTER TABLE placements ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('norwegian', title), 'A') ||
    setweight(to_tsvector('norwegian', tasks), 'B') ||
    setweight(to_tsvector('norwegian', municipality || ' ' || address || ' ' || adaptations_other), 'C')
) STORED;
CREATE INDEX placements_search_filters_idx ON placements
    USING gin (search, kind, sector, lower(municipality)) WHERE status = 'published';
DROP TRIGGER organisations_name_to_placements ON organisations;
DROP FUNCTION organisations_name_to_placements();
DROP TRIGGER placements_org_name ON placements;
DROP FUNCTION placements_org_name();
ALTER TABLE placements DROP COLUMN org_name;
DROP TEXT SEARCH CONFIGURATION praksis_words;
DROP TEXT SEARCH CONFIGURATION praksis_fold;
DROP TEXT SEARCH DICTIONARY praksis_stop;
DROP FUNCTION search_fold(text);
DROP EXTENSION IF EXISTS fuzzystrmatch;
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS unaccent;
