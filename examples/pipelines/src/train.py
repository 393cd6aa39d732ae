"""Step 2 of examples/pipelines (the component components/train.yml): fits y = w0*x0 + w1*x1 + b to the CSV rows of a
folder by gradient descent (plain Python, no numpy) and writes model.json to the model folder, a custom_model that
register-model takes and the scoring script of examples/endpoints serves."""
import argparse
import csv
import json
import os


def read_rows(folder):
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), newline="") as f:
                for row in csv.DictReader(f):
                    rows.append(([float(row["x0"]), float(row["x1"])], float(row["y"])))
    return rows


def fit(rows, epochs):
    w, b, lr = [0.0, 0.0], 0.0, 0.05
    n = len(rows)
    for epoch in range(1, epochs + 1):
        gw, gb, loss = [0.0, 0.0], 0.0, 0.0
        for x, y in rows:
            err = w[0] * x[0] + w[1] * x[1] + b - y
            loss += err * err
            gw[0] += err * x[0]
            gw[1] += err * x[1]
            gb += err
        w = [w[0] - lr * 2 * gw[0] / n, w[1] - lr * 2 * gw[1] / n]
        b -= lr * 2 * gb / n
        if epoch % 50 == 0 or epoch == epochs:
            print(f"epoch {epoch}: mse {loss / n:.4f}", flush=True)
    return w, b, loss / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    rows = read_rows(args.data)
    if not rows:
        raise SystemExit(f"no CSV rows in {args.data}")
    print(f"training on {len(rows)} rows from {args.data}", flush=True)
    w, b, mse = fit(rows, args.epochs)
    os.makedirs(args.model, exist_ok=True)
    with open(os.path.join(args.model, "model.json"), "w") as f:
        json.dump({"weights": w, "bias": b, "mse": mse}, f)
    print(f"model: w={w[0]:.3f},{w[1]:.3f} b={b:.3f} training mse={mse:.4f}", flush=True)


if __name__ == "__main__":
    main()
