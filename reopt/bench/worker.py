"""One benchmark run in a fresh process: ``python -m reopt.bench.worker '<json spec>'``.

The spec names the contender, the instance and the time limit; the last line printed is the
`Measurement` as JSON. A process per run keeps each run's peak memory its own.
"""

from __future__ import annotations

import json
import sys

from reopt.bench.contenders import measure
from reopt.bench.instances import Instance


def main() -> None:
    spec = json.loads(sys.argv[1])
    inst = Instance(**spec["instance"])
    result = measure(spec["contender"], inst, float(spec["limit_s"]))
    print(json.dumps(result.to_dict()))


if __name__ == "__main__":
    main()
