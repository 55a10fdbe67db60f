-- Each page's word vector is kept in its row, and its text moves out of line instead.
--
-- For each result shown, the search picks the passage to quote by reading the vector of every page
-- of the publication, several times over (search.ts: whether the page holds every word, a phrase,
-- the words side by side, and its ts_rank_cd). A report page's vector (about 1.6 kB; vectors do not
-- compress) and its compressed text (about 1.1 kB) do not fit together under the row's 2 kB limit,
-- and PostgreSQL had moved the vector out of line: each of those readings fetched it again from the
-- TOAST table. For 20 reports of 40 pages, choosing their passages took 28 ms on the embedded engine,
-- and 8 ms with the vectors in their rows (measured on the search bench's corpus).
--
-- STORAGE MAIN keeps a column in the row unless nothing else will make the row fit: the text, still
-- compressed, is what moves out now. It is read for the one passage quoted per result, and only the
-- part around the words sought (ts_headline's window).
alter table publication_chunks alter column tsv set storage main;

-- Rows stored before keep their layout until rewritten. Rewriting a row's text computes its vector
-- again (a generated column), stored as above; text and vectors are as they were.
update publication_chunks set body = body;
