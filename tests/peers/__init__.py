"""Tests that run the peers' own test suites (scoringrules, xskillscore) against riskcore, fetched at test time."""
