"""Thin ASK SDK handlers: turn requests into Events, ask the pure router, render its Turn."""
