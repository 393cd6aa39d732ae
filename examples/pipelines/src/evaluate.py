"""Step 3 of examples/pipelines: scores the model.json of the model folder on the test rows and writes
evaluation.json (mean squared error, row count) to the report folder. Exits non-zero, failing the step and so the
pipeline, when the error is above --max-mse: a model worse than that is not worth registering."""
import argparse
import csv
import json
import os


def load_model(folder):
    with open(os.path.join(folder, "model.json")) as f:
        return json.load(f)


def read_rows(folder):
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), newline="") as f:
                for row in csv.DictReader(f):
                    rows.append(([float(row["x0"]), float(row["x1"])], float(row["y"])))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--max-mse", type=float, default=1.0)
    args = parser.parse_args()
    model = load_model(args.model)
    rows = read_rows(args.test)
    if not rows:
        raise SystemExit(f"no CSV rows in {args.test}")
    w, b = model["weights"], model["bias"]
    mse = sum((w[0] * x[0] + w[1] * x[1] + b - y) ** 2 for x, y in rows) / len(rows)
    os.makedirs(args.report, exist_ok=True)
    with open(os.path.join(args.report, "evaluation.json"), "w") as f:
        json.dump({"test_mse": mse, "test_rows": len(rows)}, f)
    print(f"test mse {mse:.4f} on {len(rows)} rows", flush=True)
    if mse > args.max_mse:
        raise SystemExit(f"test mse {mse:.4f} is above --max-mse {args.max_mse}")


if __name__ == "__main__":
    main()
