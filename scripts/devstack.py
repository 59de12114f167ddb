"""`make run`: web, worker and beat under honcho, stopped together by Ctrl-C or a closed terminal.

honcho runs in a session of its own, so the terminal's SIGINT or SIGHUP reaches only this
script, which passes SIGINT on: honcho then stops all three and the solo worker finishes the
task in hand (shared/notes/embedded-dev-stack.md). Without this, closing the terminal leaves
the three running as orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"), "PORT": port, "PYTHONUNBUFFERED": "1"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the venv's python and celery first
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)
    if env["DEBUG"].lower() in {"1", "true", "yes", "on"}:
        # The demo register (idempotent): people, units, use-cases in every state.
        subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True)
    print(f"\n  Koers runs at http://127.0.0.1:{port}/  (Ctrl-C stops web, worker and beat)\n", flush=True)
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "-f", "Procfile", "start"], cwd=ROOT, env=env, start_new_session=True
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGINT)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    return honcho.wait()


if __name__ == "__main__":
    sys.exit(main())
