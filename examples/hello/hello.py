# The guide's entry script: prints a greeting and the arguments it was given.
import sys

print("Hello, REST!")
for i, arg in enumerate(sys.argv[1:], start=1):
    print(f"argument {i}: {arg}")
