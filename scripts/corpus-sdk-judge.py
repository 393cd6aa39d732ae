"""What azure-ai-ml (the SDK under `az ml` v2) says of job YAMLs the action refused: the corpus check's second opinion.

Run by scripts/corpus.ts (`npm run corpus`) as
  PYTHONPATH=__tests__/emulator/fixtures/azure-ai-ml /usr/bin/python3 scripts/corpus-sdk-judge.py < files.json
with `[{"path": "<absolute YAML path>", "sets": ["a.b=c", ...]}, ...]` on stdin; prints
`{"<path>": {"takes": true|false, "message": "<the SDK's error>"}, ...}`. Each file goes through `load_job` (with the
`--set` lines as `params_override`, as `az ml job create --set` passes them) and `_validate()`, the checks
`az ml job create` makes before it sends anything; nothing is sent.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
from azure.ai.ml import load_job  # noqa: E402



def flatten(messages, at=""):
    """marshmallow's nested error dict as `field.path: message` lines (the `value` levels of its dict fields left out)."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            lines += flatten(value, at if key == "value" else f"{at}.{key}" if at else str(key))
        return lines
    if isinstance(messages, (list, tuple)):
        return [line for m in messages for line in flatten(m, at)]
    return [f"{at}: {messages}" if at else str(messages)]


verdicts = {}
out, sys.stdout = sys.stdout, sys.stderr  # the SDK prints its warnings on stdout; stdout carries only the answer
for item in json.load(sys.stdin):
    path = item["path"]
    overrides = []
    for line in item.get("sets", []):
        key, _, value = line.partition("=")
        overrides.append({key.strip(): value.strip()})
    try:
        job = load_job(path, params_override=overrides)
        result = job._validate()
        if result.passed:
            verdicts[path] = {"takes": True, "message": ""}
        else:
            verdicts[path] = {"takes": False, "message": "; ".join(f"{k}: {v}" for k, v in result.error_messages.items())}
    except Exception as e:  # the SDK's own refusal (marshmallow ValidationError, ValidationException, ...)
        messages = getattr(e, "messages", None)
        # ValidationException texts carry escaped newlines inside their JSON-like report: one line here.
        text = "; ".join(flatten(messages)) if isinstance(messages, dict) else " ".join(str(e).replace("\\n", " ").split())
        verdicts[path] = {"takes": False, "message": text}
out.write(json.dumps(verdicts) + "\n")
