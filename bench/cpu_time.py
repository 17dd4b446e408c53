"""Process CPU seconds per frame of `Engine.process` for one checkout (for before/after ratios).

On a shared machine wall time depends on everyone else's load; process CPU time (one torch
thread) does much less. Run it for two checkouts back to back, alternating, and compare:

    git archive <base> | tar -x -C /tmp/base
    script=$PWD/bench/cpu_time.py
    for tree in /tmp/base $PWD /tmp/base $PWD; do for case in "ct 8" "us 4"; do
      (cd $tree && OMP_NUM_THREADS=1 PYTHONPATH=$tree python $script $tree $case)
    done; done

Cases are bench/engine.py's: ``ct`` 512x512 16-bit synthetic frames, ``us`` the real RGB
ultrasound with per-frame noise; batch 1, dedup off, after one warm-up frame.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    tree, case, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.path[:0] = [tree, tree + "/bench"]
    import engine as engine_bench  # the checkout's own bench/engine.py

    frames = engine_bench._ct_frames(count) if case == "ct" else engine_bench._us_frames(count)
    engine = engine_bench._engine("cpu", 1, dedup=False)
    engine.process(frames[:1])
    cpu, wall = time.process_time(), time.perf_counter()
    for frame in frames:
        engine.process([frame])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print("RESULT", json.dumps({"tree": tree, "case": case, "frames": count,
                                "cpu_s_per_frame": round(cpu / count, 4), "wall_s_per_frame": round(wall / count, 4)}))


if __name__ == "__main__":
    main()
