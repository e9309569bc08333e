"""One manifest contract: the build writes exactly its fields, and the server loads it without the build's machinery."""
from __future__ import annotations

import json
import subprocess
import sys

from audio import contract

BUILD_MACHINERY = ("audio.build", "audio.mix", "audio.engines", "pydub", "numpy", "scipy", "hibari_tts", "gtts")


def test_the_built_manifest_has_exactly_the_contracts_fields(built_data_dir):
    manifest = json.loads((built_data_dir / "audio" / contract.MANIFEST).read_text())
    assert manifest["schema"] == contract.SCHEMA
    for exercise_id, entry in manifest["exercises"].items():
        extra = set(entry) - set(contract.ENTRY_FIELDS) - set(contract.OPTIONAL_ENTRY_FIELDS)
        missing = set(contract.ENTRY_FIELDS) - set(entry)
        assert not extra and not missing, f"{exercise_id}: update audio/contract.py ENTRY_FIELDS: {extra or missing}"
        assert entry["kind"] in contract.KINDS and entry["delivery"] in contract.DELIVERIES
        assert entry["delivery"] == contract.delivery(entry["duration_ms"])
        for segment in entry.get("segments", []):
            assert set(segment) <= set(contract.SEGMENT_FIELDS), f"{exercise_id}: update SEGMENT_FIELDS"
        for cue in entry["timeline"]:
            assert set(cue) <= set(contract.CUE_FIELDS), f"{exercise_id}: update CUE_FIELDS"


def test_the_server_never_imports_the_build_machinery():
    code = "import sys, app; print(','.join(m for m in %r if m in sys.modules))" % (BUILD_MACHINERY,)
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"the skill imports build code: {loaded}"
