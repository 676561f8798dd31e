"""What procedures share: votes and tallies, the start guard."""
