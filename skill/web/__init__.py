"""The web companion: exercise pages, the reconnect routine and the typed conversation, as a Flask blueprint."""
from skill.web.pages import blueprint, not_found_page, wants_page

__all__ = ["blueprint", "not_found_page", "wants_page"]
