-- Search without reading report pages for phrases, and matches read from a narrow table.
--
-- 1. Word pairs. Each publication's whole-text vector (doc_tsv, GIN-indexed) now holds, beside its
--    words, its word pairs: for each page or text (one chunk), each lexeme with the next lexeme in
--    position order and the gap between them, as one token 'a N b' ('health 1 visitor'; 'home 2
--    aldbrook' where a stop word stood between, as in "home in Aldbrook"). A token holds spaces,
--    which no lexeme of the text parser does, and its gap is at least 1, so it never equals a word.
--    Pairs never span two chunks, so a phrase is still found only within one page or one text. A
--    phrase of two lexemes ("health visitor", "the social worker") is then exactly "the publication
--    has the token": the index answers it. A longer phrase needs all its tokens and is confirmed on
--    the pages of only the publications that have them (src/platform/search/ranking.md).
-- 2. publication_search: the whole-text vector moves out of publications into a table of its own
--    with the few columns that filters and facet counts read (themes as a text array). A common word
--    matches nearly every publication; reading each match's wide publications row (title, summary,
--    learning, briefing: about 1.6 kB) cost as much as all the counting after it.

-- The pair tokens of one chunk's vector. Read from the vector itself (not the text again), so a
-- pair is what PostgreSQL's phrase search sees: the same lexemes at the same positions.
create function cspr_word_pairs(v tsvector) returns text[] language sql immutable strict parallel safe as $$
  with w as (select u.lexeme, p as pos from unnest(v) as u cross join lateral unnest(u.positions) as p),
  n as (select pos, lead(pos) over (order by pos) as next from (select distinct pos from w) d)
  select coalesce(array_agg(distinct a.lexeme || ' ' || (n.next - n.pos) || ' ' || b.lexeme), '{}'::text[])
  from n join w a on a.pos = n.pos join w b on b.pos = n.next
$$;

-- A publication's whole-text vector: every word of every chunk and every chunk's pairs, without positions.
create function cspr_doc_vector(pid uuid) returns tsvector language sql stable strict as $$
  select array_to_tsvector(coalesce(array(
    select distinct x from publication_chunks c
    cross join lateral unnest(tsvector_to_array(c.tsv) || cspr_word_pairs(c.tsv)) as x
    where c.publication_id = pid
  ), '{}'::text[]))
$$;

-- A lexeme as a tsquery writes it. quote_literal writes E'…' for a backslash, which a tsquery
-- does not read.
create function cspr_quote_lexeme(x text) returns text language sql immutable strict parallel safe as $$
  select '''' || replace(replace(x, '\', '\\'), '''', '''''') || ''''
$$;

-- The pair tokens of a search term's text, as one tsquery needing them all.
create function cspr_pairs_query(body text) returns tsquery language sql immutable strict parallel safe as $$
  select array_to_string(array(
    select cspr_quote_lexeme(t) from unnest(cspr_word_pairs(to_tsvector('english', body))) as t
  ), ' & ')::tsquery
$$;

-- Whether the token test is exactly a term's phrase: the term's text (body) holds two lexemes at two
-- places, and its query (q, as websearch_to_tsquery reads the term) is just "a, then b that gap
-- further". Anything else (three or more lexemes, a word with several lexemes) is not exact.
create function cspr_phrase_exact(q tsquery, body text) returns boolean language sql immutable strict parallel safe as $$
  with w as (
    select u.lexeme, p as pos, row_number() over (order by p) as i
    from unnest(to_tsvector('english', body)) as u cross join lateral unnest(u.positions) as p
  )
  select coalesce(count(*) = 2 and count(distinct pos) = 2 and q::text = (
    select cspr_quote_lexeme(a.lexeme) || case when b.pos - a.pos = 1 then ' <-> ' else ' <' || (b.pos - a.pos) || '> ' end || cspr_quote_lexeme(b.lexeme)
    from w a join w b on a.i = 1 and b.i = 2
  ), false)
  from w
$$;

-- A search term as the whole-text index is asked it (q and body as above). A term without a phrase
-- is asked as it is. A phrase is asked for its words and its pair tokens: exactly the phrase when
-- there is one pair, more than it otherwise (the search then confirms it on pages). Where the term
-- is excluded (under an odd number of NOTs) only an exact test may stand in for it, since excluding
-- more than the phrase would drop publications that match: a token no text holds (gap 0) is asked
-- instead, so that nothing is excluded here, and the confirmation decides.
create function cspr_term_query(q tsquery, body text, negated boolean) returns tsquery language sql immutable strict parallel safe as $$
  select case
    when q::text !~ '<[0-9-]+>' then q
    when negated and not cspr_phrase_exact(q, body) then ''' 0 '''::tsquery
    else regexp_replace(q::text, '<->|<[0-9]+>', '&', 'g')::tsquery && cspr_pairs_query(body)
  end
$$;

create table publication_search (
  publication_id uuid primary key references publications(id) on delete cascade,
  -- copied from publications (kept so by cspr_index_publications and the trigger below)
  published_on date not null,
  year integer not null,
  review_type text not null,
  age_band text,
  partnership_id uuid not null,
  themes text[] not null,
  -- every word of the publication, report pages included, and every chunk's word pairs; no positions
  doc_tsv tsvector not null
);

-- Every caller of cspr_index_publications (adding a publication, bulk loads) fills it.
create or replace function cspr_index_publications(ids uuid[]) returns void language sql as $$
  update publications p set
    meta_tsv =
      setweight(to_tsvector('english', p.title), 'A') ||
      setweight(to_tsvector('english', p.summary || ' ' ||
        coalesce((select string_agg(v, ' ') from jsonb_each_text(p.learning) as l(k, v)), '') || ' ' ||
        coalesce((select string_agg(v, ' ') from jsonb_each_text(p.briefing) as b(k, v)), '')), 'B') ||
      setweight(to_tsvector('english', coalesce((select string_agg(t.label, ' ') from themes t where p.themes ? t.key), '')), 'C')
  where p.id = any(ids);
  insert into publication_search (publication_id, published_on, year, review_type, age_band, partnership_id, themes, doc_tsv)
  select p.id, p.published_on, extract(year from p.published_on)::int, p.review_type, p.age_band, p.partnership_id,
         array(select jsonb_array_elements_text(p.themes)), cspr_doc_vector(p.id)
  from publications p where p.id = any(ids)
  on conflict (publication_id) do update set
    published_on = excluded.published_on, year = excluded.year, review_type = excluded.review_type, age_band = excluded.age_band,
    partnership_id = excluded.partnership_id, themes = excluded.themes, doc_tsv = excluded.doc_tsv;
  select cspr_index_terms(ids);
$$;

-- A change to a publication's date, type, age band, partnership or themes reaches its search row.
create function cspr_publication_search_sync() returns trigger language plpgsql as $$
begin
  update publication_search s set
    published_on = new.published_on, year = extract(year from new.published_on)::int, review_type = new.review_type,
    age_band = new.age_band, partnership_id = new.partnership_id, themes = array(select jsonb_array_elements_text(new.themes))
  where s.publication_id = new.id;
  return null;
end
$$;
create trigger publications_search_sync after update of published_on, review_type, age_band, partnership_id, themes on publications
  for each row execute function cspr_publication_search_sync();

-- The existing publications, with their pairs; the index is built once, after the rows.
insert into publication_search (publication_id, published_on, year, review_type, age_band, partnership_id, themes, doc_tsv)
select p.id, p.published_on, extract(year from p.published_on)::int, p.review_type, p.age_band, p.partnership_id,
       array(select jsonb_array_elements_text(p.themes)), cspr_doc_vector(p.id)
from publications p;
create index publication_search_doc on publication_search using gin (doc_tsv);

drop index publications_doc_tsv;
alter table publications drop column doc_tsv;
