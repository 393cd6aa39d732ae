"""Step 1 of examples/pipelines: reads the CSV rows (x0,x1,y) of every .csv file in a folder and splits them into a
training set and a test set, each written as one CSV file in its own output folder. The split is deterministic (every
n-th row goes to the test set) so that a rerun gives the same model."""
import argparse
import csv
import os

COLUMNS = ["x0", "x1", "y"]


def read_rows(folder):
    rows = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), newline="") as f:
                for row in csv.DictReader(f):
                    rows.append([row[c] for c in COLUMNS])
    return rows


def write_rows(folder, rows):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "part-0.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    args = parser.parse_args()
    if not 0 < args.test_fraction < 1:
        raise SystemExit(f"--test-fraction must be between 0 and 1, not {args.test_fraction}")
    rows = read_rows(args.raw)
    if len(rows) < 4:
        raise SystemExit(f"{args.raw} holds {len(rows)} rows; at least 4 are needed to split")
    every = max(2, round(1 / args.test_fraction))
    test = [r for i, r in enumerate(rows) if i % every == every - 1]
    train = [r for i, r in enumerate(rows) if i % every != every - 1]
    write_rows(args.train, train)
    write_rows(args.test, test)
    print(f"{len(rows)} rows from {args.raw}: {len(train)} to train, {len(test)} to test", flush=True)


if __name__ == "__main__":
    main()
