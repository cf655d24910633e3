"""Use cases of companies and their chamber, split by noun (manual ch. 3 and ch. 9 item 5)."""
