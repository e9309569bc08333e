"""The conversation, organised by state: pure Python, no ASK or Flask."""
