-- Recommendations on every kind of review (Working Together to Safeguard Children 2023, ch. 5:
-- partnerships publish "all reviews and their recommendations"). A published review in the
-- repository (an imported serious case review, a national or thematic review) holds its own
-- recommendations through publication_id: as on a case, a number is used once in a review, so
-- that a tracker imported twice adds nothing twice (its identity is the review and the number).
create unique index recommendations_number_on_publication on recommendations (publication_id, number)
  where incident_id is null and publication_id is not null;
