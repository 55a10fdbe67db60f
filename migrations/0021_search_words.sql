-- The words the published texts hold, as written (lower case), with how many publications hold
-- each: a misspelt search ("neglekt") is offered the nearest of them ("Did you mean neglect?").
-- Filled by cspr_index_words after a publication's chunks are written; words of a withdrawn text
-- may stay (a suggestion is offered only when it finds reviews).
create table search_words (
  word text primary key check (length(word) between 3 and 40 and word ~ '^[a-z]+$'),
  publications integer not null default 0 check (publications >= 0)
);
create index search_words_length on search_words (length(word));

create function cspr_index_words(ids uuid[]) returns void language sql as $$
  insert into search_words (word, publications)
  select w, count(distinct c.publication_id)::int
  from publication_chunks c cross join lateral regexp_split_to_table(lower(c.body), '[^a-z]+') as w
  where c.publication_id = any(ids) and length(w) between 3 and 40
  group by w
  on conflict (word) do update set publications = search_words.publications + excluded.publications
$$;

select cspr_index_words(array(select id from publications));
