"""The manifest contract the audio build writes and the skill reads: names, fields, kinds and the SSML limit. No imports."""

MANIFEST = "manifest.json"
SCHEMA = 1
# The longest file an SSML <audio> tag plays (and the most audio in one response); longer needs the AudioPlayer.
SSML_AUDIO_LIMIT_MS = 240_000
KINDS = ("regulation", "connection", "couple")  # also the order the spoken menu lists them in
DELIVERIES = ("ssml", "audio_player")
# Every exercise entry has these; "segments" only when the script marks segments.
ENTRY_FIELDS = ("id", "title", "kind", "summary", "synonyms", "needs", "duration_ms", "file", "sha256", "captions",
                "transcript", "engine", "locale", "delivery", "build_key", "timeline", "spoken_title", "posture",
                "suits", "phases", "longest_silence_ms")
POSTURES = ("sitting", "lying", "either")
SUITS = ("any", "bedtime")
OPTIONAL_ENTRY_FIELDS = ("segments",)
SEGMENT_FIELDS = ("file", "start_ms", "duration_ms", "sha256", "speaker")
CUE_FIELDS = ("start_ms", "end_ms", "type", "text", "tone", "speaker")  # text for speech, tone for tones


def delivery(duration_ms: int) -> str:
    return "ssml" if duration_ms <= SSML_AUDIO_LIMIT_MS else "audio_player"
