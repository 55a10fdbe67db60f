-- Top-k ranking without scoring every match. A publication's rank for a query is ts_rank_cd of
-- its small ranking vector (meta_tsv: title A, summary, learning and briefing B, theme labels C)
-- against the query's words joined by OR. For such a query that rank is exactly the sum, over the
-- query's words, of the weights of the word's positions in the vector (each position is a cover
-- of its own: 1.0 for A, 0.4 for B, 0.2 for C, 0.1 for D). So each word's share can be stored
-- once per publication, and a word's publications read best first from an index: the search
-- reads the head of each word's list and stops when nothing further down can overtake the
-- results shown (see src/platform/search/ranking.md).

create table publication_terms (
  publication_id uuid not null references publications(id) on delete cascade,
  -- a lexeme of meta_tsv, as to_tsvector('english', …) makes it
  lexeme text not null,
  -- its share of ts_rank_cd in tenths (A 10, B 4, C 2, D 1 per position): whole numbers add up
  -- exactly, so equal ranks are equal and ties fall to the date, not to rounding noise
  score integer not null check (score > 0),
  primary key (publication_id, lexeme)
);
create index publication_terms_best on publication_terms (lexeme, score desc, publication_id);

create function cspr_index_terms(ids uuid[]) returns void language sql as $$
  delete from publication_terms where publication_id = any(ids);
  insert into publication_terms (publication_id, lexeme, score)
  select p.id, u.lexeme,
         sum(case w when 'A' then 10 when 'B' then 4 when 'C' then 2 else 1 end)::int
  from publications p
  cross join lateral unnest(p.meta_tsv) as u
  cross join lateral unnest(u.weights) as w
  where p.id = any(ids) and p.meta_tsv is not null
  group by p.id, u.lexeme
$$;

-- Every caller of cspr_index_publications (adding a publication, bulk loads) keeps the lists too.
create or replace function cspr_index_publications(ids uuid[]) returns void language sql as $$
  update publications p set
    meta_tsv =
      setweight(to_tsvector('english', p.title), 'A') ||
      setweight(to_tsvector('english', p.summary || ' ' ||
        coalesce((select string_agg(v, ' ') from jsonb_each_text(p.learning) as l(k, v)), '') || ' ' ||
        coalesce((select string_agg(v, ' ') from jsonb_each_text(p.briefing) as b(k, v)), '')), 'B') ||
      setweight(to_tsvector('english', coalesce((select string_agg(t.label, ' ') from themes t where p.themes ? t.key), '')), 'C'),
    doc_tsv = array_to_tsvector(coalesce(array(
      select distinct x from publication_chunks c cross join lateral unnest(tsvector_to_array(c.tsv)) as x where c.publication_id = p.id
    ), '{}'::text[]))
  where p.id = any(ids);
  select cspr_index_terms(ids);
$$;

select cspr_index_terms(array(select id from publications));
