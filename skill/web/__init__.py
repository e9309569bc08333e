"""The web companion: exercise pages, the reconnect routine and the typed conversation, as a Flask blueprint."""
from skill.web.pages import blueprint

__all__ = ["blueprint"]
