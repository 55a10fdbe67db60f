-- Every page stored before migration 0048 is written again, so that its word vector is kept in its row
-- as 0048 says. Rewriting a row's text computes its vector again (a generated column); text and
-- vectors are as they were. Searches may run meanwhile (an update does not block reading); the rows'
-- old versions are left as dead space, which the server's autovacuum reclaims, and on the embedded
-- engine the VACUUM run after migrations (migrate.ts).
update publication_chunks set body = body;
