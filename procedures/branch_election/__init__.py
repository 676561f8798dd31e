"""P2 branch election (ELEC-2020, BRANCH-2018 Art. 21): the procedure (`procedure`), its vote and
effects; no records of its own (no models, no app)."""
