"""Fits y = w0*x0 + w1*x1 + b to the CSV rows of a folder by least squares (plain Python, no numpy) and writes
model.json to the output folder. The scoring script of examples/endpoints serves it.

Each epoch's mean squared error is logged as the metric `mse` (step = epoch) to the job's MLflow run: with `mlflow`
when it is installed, else with MLflow's REST API (runs/log-metric) on MLFLOW_TRACKING_URI, the variables Azure ML
sets in a job (MLFLOW_RUN_ID, MLFLOW_TRACKING_TOKEN). Outside a job nothing is logged. A sweep's objective reads it."""
import argparse
import csv
import json
import os
import sys
import time
import urllib.request


def metric_logger():
    """A function (key, value, step) that logs one metric value to the job's MLflow run, or does nothing."""
    uri, run_id = os.environ.get("MLFLOW_TRACKING_URI", ""), os.environ.get("MLFLOW_RUN_ID", "")
    try:
        import mlflow

        return lambda key, value, step: mlflow.log_metric(key, value, step=step)
    except ImportError:
        pass
    if not uri.startswith(("http://", "https://")) or not run_id:
        return lambda key, value, step: None
    url = uri.rstrip("/") + "/api/2.0/mlflow/runs/log-metric"
    headers = {"Content-Type": "application/json"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    failed = []

    def log(key, value, step):
        if failed:
            return
        body = {"run_id": run_id, "key": key, "value": value, "timestamp": int(time.time() * 1000), "step": step}
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            urllib.request.urlopen(request, timeout=30).read()
        except OSError as error:  # metrics are not worth failing the training for: say so once
            failed.append(error)
            print(f"warning: metrics not logged to MLflow: {error}", file=sys.stderr, flush=True)

    return log


def read_rows(folder):
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), newline="") as f:
                for row in csv.DictReader(f):
                    rows.append(([float(row["x0"]), float(row["x1"])], float(row["y"])))
    return rows


def fit(rows, epochs, lr=0.05, log_metric=lambda key, value, step: None):
    w, b = [0.0, 0.0], 0.0
    for epoch in range(1, epochs + 1):
        gw, gb, loss = [0.0, 0.0], 0.0, 0.0
        for x, y in rows:
            err = w[0] * x[0] + w[1] * x[1] + b - y
            loss += err * err
            gw[0] += err * x[0]
            gw[1] += err * x[1]
            gb += err
        n = len(rows)
        w = [w[0] - lr * 2 * gw[0] / n, w[1] - lr * 2 * gw[1] / n]
        b -= lr * 2 * gb / n
        log_metric("mse", loss / n, epoch)
        if epoch % 50 == 0 or epoch == epochs:
            print(f"epoch {epoch}: mse {loss / n:.4f}", flush=True)
    return w, b, loss / len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--learning_rate", type=float, default=0.05)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    rows = read_rows(args.data)
    print(f"training on {len(rows)} rows from {args.data}", flush=True)
    w, b, mse = fit(rows, args.epochs, args.learning_rate, metric_logger())
    os.makedirs(args.model, exist_ok=True)
    with open(os.path.join(args.model, "model.json"), "w") as f:
        json.dump({"weights": w, "bias": b, "mse": mse}, f)
    print(f"model: w={w[0]:.3f},{w[1]:.3f} b={b:.3f} mse={mse:.4f}", flush=True)


if __name__ == "__main__":
    main()
