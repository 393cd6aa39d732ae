"""Scoring script for the linear model of examples/jobs/train, in the shape Azure ML's inference server expects:
init() once when the deployment starts, then run(raw_data) for each request."""
import json
import os

model = None


def init():
    """Loads model.json from the folder Azure ML mounts the registered model in (AZUREML_MODEL_DIR)."""
    global model
    root = os.environ["AZUREML_MODEL_DIR"]
    for folder, _, files in os.walk(root):
        if "model.json" in files:
            with open(os.path.join(folder, "model.json")) as f:
                model = json.load(f)
            print(f"loaded model.json from {folder}", flush=True)
            return
    raise FileNotFoundError(f"no model.json under {root}")


def run(raw_data):
    """{"data": [[x0, x1], ...]} → a prediction per row, w·x + b."""
    rows = json.loads(raw_data)["data"]
    w, b = model["weights"], model["bias"]
    return [round(w[0] * x[0] + w[1] * x[1] + b, 3) for x in rows]
