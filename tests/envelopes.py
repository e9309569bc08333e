"""The tests' envelope factory is the same one the console uses."""
from skill.devtools.envelopes import DEVICE_ID, SKILL_ID, USER_ID, Conversation, now_iso

__all__ = ["DEVICE_ID", "SKILL_ID", "USER_ID", "Conversation", "now_iso"]
