"""Assembles an ask-cli project folder (skill-package/) from interaction_models/, the one source."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

from skill.alexa.settings import data_dir_from_env
from skill.devtools.utterances import MODELS_DIR


def build_package(out: Path, endpoint: str, models_dir: Path = MODELS_DIR) -> Path:
    if urlsplit(endpoint).scheme != "https":
        raise ValueError(f"the endpoint must be an https URL Alexa can reach; got {endpoint!r}")
    manifest = json.loads((models_dir / "skill.json").read_text(encoding="utf-8"))
    manifest["manifest"]["apis"]["custom"]["endpoint"]["uri"] = endpoint
    package = out / "skill-package"
    models_out = package / "interactionModels" / "custom"
    models_out.mkdir(parents=True, exist_ok=True)
    (package / "skill.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for model in sorted(models_dir.glob("*-*.json")):
        shutil.copyfile(model, models_out / model.name)
    resources = {"askcliResourcesVersion": "2020-03-31",
                 "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}}}
    (out / "ask-resources.json").write_text(json.dumps(resources, indent=2) + "\n", encoding="utf-8")
    return package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.devtools.package", description=__doc__)
    parser.add_argument("--endpoint", required=True, help="public https URL of POST /alexa")
    parser.add_argument("--out", type=Path, default=data_dir_from_env() / "ask-project")
    args = parser.parse_args(argv)
    try:
        package = build_package(args.out, args.endpoint)
    except ValueError as error:
        print(f"skill.devtools.package: {error}", file=sys.stderr)
        return 2
    print(f"wrote {package}; deploy with: cd {args.out} && ask deploy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
