-- Search over whole publications. Matching a common word against every page of every report read
-- tens of thousands of page rows per query; these two vectors per publication answer which
-- publications match, how they rank and the facet counts from one row each, so page rows are read
-- only for the snippets of the results shown.
--   meta_tsv: title (A), summary, learning and briefing (B) and theme labels (C), with positions,
--             for ranking (small: never the report's body).
--   doc_tsv:  every word of the publication, report pages included, without positions (strip):
--             which publications hold all the words. A phrase is then checked on the pages of those.

alter table publications add column meta_tsv tsvector;
alter table publications add column doc_tsv tsvector;
create index publications_doc_tsv on publications using gin (doc_tsv);

-- Fills both vectors from the publication and its chunks. Called after a publication's chunks are
-- written (and by bulk loads); safe to run again.
create function cspr_index_publications(ids uuid[]) returns void language sql as $$
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
  where p.id = any(ids)
$$;

select cspr_index_publications(array(select id from publications));
