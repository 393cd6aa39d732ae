"""
The emulator's stand-in for Azure's inference server (azureml-inference-server-http, `azmlinfsrv`): one long-lived
process per online deployment (resources/inference-server.ts starts it with python3).

    python3 -u inference_harness.py <scoring script path>

It imports the scoring script the way the inference server does (its folder and AML_APP_ROOT on sys.path), with
AZUREML_MODEL_DIR already set by the caller, and calls `init()` once. Then, for each request, `run(raw_data)` with the
request body as text; the return value is the answer: a str as it is, bytes decoded as UTF-8, anything else as JSON.

Protocol (line-delimited JSON; the script's own prints go to stdout/stderr, which are the deployment's logs):

- to the emulator, on file descriptor 3:
    {"type": "ready"}                                              init() returned
    {"type": "init_failed", "error": "ValueError: ...", "traceback": "Traceback ..."}   then exit 1
    {"id": 7, "ok": true, "body": "<text>"}                        run() returned
    {"id": 7, "ok": false, "error": "KeyError: 'data'", "traceback": "Traceback ..."}
- from the emulator, on stdin: {"id": 7, "data": "<request body as text>"}; end of input stops the server.

Requests are served one at a time, in order (max_concurrent_requests_per_instance = 1, Azure's default).
"""
import importlib.util
import json
import os
import sys
import time
import traceback


def log(message):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    print(f"{stamp},000 I [{os.getpid()}] azmlinfsrv - {message}", flush=True)


def describe(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: inference_harness.py <scoring script>\n")
        return 2
    script = os.path.abspath(sys.argv[1])
    channel = os.fdopen(3, "w", buffering=1, encoding="utf-8")

    def send(message):
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    app_root = os.environ.get("AML_APP_ROOT", os.path.dirname(script))
    print("Azure ML Inferencing HTTP server (emulator harness)", flush=True)
    print("", flush=True)
    print("Server Settings", flush=True)
    print("---------------", flush=True)
    print(f"Entry Script Name: {os.environ.get('AZUREML_ENTRY_SCRIPT', os.path.basename(script))}", flush=True)
    print(f"Model Directory: {os.environ.get('AZUREML_MODEL_DIR', '')}", flush=True)
    print("Worker Count: 1", flush=True)
    print(f"Scoring Timeout: {os.environ.get('SCORING_TIMEOUT_MS', '5000')} ms", flush=True)
    print("", flush=True)

    try:
        for folder in (app_root, os.path.dirname(script)):
            if folder not in sys.path:
                sys.path.insert(0, folder)
        log(f"Found user script at {script}")
        spec = importlib.util.spec_from_file_location("entry_module", script)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import the scoring script {script}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["entry_module"] = module
        spec.loader.exec_module(module)
        for name in ("init", "run"):
            if not callable(getattr(module, name, None)):
                raise AttributeError(f"The scoring script {os.path.basename(script)} has no {name}() function.")
        log("run() is not decorated. Server will invoke it with the input in JSON string.")
        log("Invoking user's init function")
        module.init()
        log("Users's init has completed successfully")
    except BaseException as exc:  # noqa: BLE001 - SystemExit from init() is a failure too
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        sys.stderr.flush()
        log("User's init function failed")
        send({"type": "init_failed", "error": describe(exc), "traceback": tb})
        return 1

    send({"type": "ready"})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        rid = request.get("id")
        try:
            result = module.run(request.get("data", ""))
            if isinstance(result, (bytes, bytearray)):
                body = bytes(result).decode("utf-8", "replace")
            elif isinstance(result, str):
                body = result
            else:
                body = json.dumps(result)
            send({"id": rid, "ok": True, "body": body})
        except BaseException as exc:  # noqa: BLE001 - the server answers every request
            tb = traceback.format_exc()
            sys.stderr.write(tb)
            sys.stderr.flush()
            log("Encountered Exception while running the user's run() function")
            send({"id": rid, "ok": False, "error": describe(exc), "traceback": tb})
    return 0


if __name__ == "__main__":
    sys.exit(main())
