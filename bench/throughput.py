"""Training steps/s inside the running app (view drawing live) ÷ the same lab's bare loop.

    python bench/throughput.py [EXPLAINER --option value ...] [--seconds S] [--ui-budget SHARE]

Default: the attention explainer's live training (tiny transformer on digit reversal).
Bare and in-app runs alternate (ROUNDS each); the ratio and frame rate are the rounds' medians.
Where the machine's speed drifts (a shared 2-core machine: ±30 % within a minute) the ratio is
noisy; two steadier numbers split it:
  lab_step_share     the share of the lab process's time spent inside lab.step() (the rest:
                     making frames, rewind checkpoints, messages), timed in that process;
  step_time_ratio    a bare step's time ÷ an in-app step's time (the window's CPU slowing the
                     lab's), over the same rounds; ratio ≈ lab_step_share × step_time_ratio.
And the window's CPU per drawn frame. Prints one JSON object."""

import json
import sys

from _app import bare_steps_per_second, open_window, parse_options, run_for


ROUNDS = 5   # bare and in-app runs alternate: a shared 2-core machine's speed drifts by ±30 % over a minute


def process_cpu() -> float:
    """CPU seconds this process (the window, all its threads) has used."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    import statistics
    import time

    argv = sys.argv[1:]
    budget = None
    if "--ui-budget" in argv:          # the share of the window's time drawing may take (the runner's 0.2)
        i = argv.index("--ui-budget")
        budget = float(argv[i + 1])
        del argv[i:i + 2]
    explainer, values, seconds = parse_options(argv)
    app, window = open_window(explainer, values)
    runner = window.runner
    if budget is not None:
        runner.set_ui_budget(budget)
    rounds = []
    for _ in range(ROUNDS):
        bare = bare_steps_per_second(explainer, values, seconds, threads=1)   # the window's lab paused
        window.play_action.trigger()
        run_for(app, 1.0)  # warm-up
        steps0, frames0, inside0 = runner.steps_done, window.status.frames_drawn, runner.step_seconds
        cpu0 = process_cpu()
        t0 = time.perf_counter()
        run_for(app, seconds)
        elapsed = time.perf_counter() - t0
        window_cpu = (process_cpu() - cpu0) / elapsed      # the window's process, every thread
        steps = runner.steps_done - steps0          # as of the lab's last heartbeat (≤ 0.25 s old)
        inside = runner.step_seconds - inside0
        in_app = steps / elapsed
        fps = (window.status.frames_drawn - frames0) / elapsed
        window.play_action.trigger()   # pause
        run_for(app, 0.5)
        rounds.append({"bare_steps_per_s": round(bare, 1), "app_steps_per_s": round(in_app, 1),
                       "ratio": round(in_app / bare, 3), "view_fps": round(fps, 1),
                       "lab_step_share": round(inside / elapsed, 3),
                       "step_time_ratio": round((1 / bare) / (inside / steps), 3) if steps else None,
                       "window_cpu": round(window_cpu, 3),
                       "window_cpu_ms_per_frame": round(1000 * window_cpu / fps, 1) if fps else None})
    window.close()
    print(json.dumps({
        "bench": "throughput", "explainer": explainer, "options": values, "seconds": seconds, "ui_budget": budget,
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "view_fps": statistics.median(r["view_fps"] for r in rounds),
        "lab_step_share": statistics.median(r["lab_step_share"] for r in rounds),
        "step_time_ratio": statistics.median(r["step_time_ratio"] or 0 for r in rounds),
        # steadier than the ratio on a shared machine: what one drawn frame costs the window
        "window_cpu_ms_per_frame": statistics.median(r["window_cpu_ms_per_frame"] or 0 for r in rounds),
        "rounds": rounds,
        "targets": {"ratio": ">= 0.9", "view_fps": ">= 20"},
    }))


if __name__ == "__main__":
    main()
