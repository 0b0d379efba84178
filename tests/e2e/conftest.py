"""Fixtures for the end-to-end tests: the real ``curator`` under tmux, and a real X clipboard.

Every wait here is a bounded poll; every external tool is optional (the tests that need
it skip when it is missing) and every process started here is ended in a finalizer.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

# Variables of the developer's session that must not leak into the app under test.
_SCRUB = ("TMUX", "TMUX_PANE", "CURATOR_DB", "CURATOR_CONFIG", "DISPLAY", "WAYLAND_DISPLAY")


def poll(
    check: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = ""
) -> object:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or check!r}")
        time.sleep(interval)


def curator_argv() -> list[str]:
    """The ``curator`` console script of this environment (else ``python -m``)."""
    script = Path(sys.executable).with_name("curator")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "curator_tui.cli"]


def run_curator(
    *args: str | os.PathLike[str], env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """A headless ``curator`` command, its output captured; fails the test on a non-zero exit."""
    environ = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    environ.update({"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"})
    environ.update(env or {})
    result = subprocess.run(
        [*curator_argv(), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"curator {args} failed:\n{result.stdout}\n{result.stderr}"
    return result


class Tmux:
    """One private tmux server (``tmux -L <unique name>``) running one program in one pane."""

    SESSION = "e2e"

    def __init__(self, workdir: Path) -> None:
        self.socket = f"curator-e2e-{os.getpid()}-{secrets.token_hex(4)}"
        self.workdir = workdir
        self.config = workdir / "tmux.conf"
        # The pane stays after the program exits, so its exit status and last screen
        # can be read; no status line, so the pane is exactly the requested size.
        self.config.write_text("set -g remain-on-exit on\nset -g status off\n", encoding="utf-8")
        self.status_file = workdir / f"{self.socket}.status"
        self.server_pid = ""
        self.socket_path = ""

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self._base_env(),
            timeout=10,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"tmux {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def _base_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k not in _SCRUB}

    def start(
        self, argv: Sequence[str], *, width: int, height: int, env: dict[str, str] | None = None
    ) -> None:
        """Start the program in a detached session of ``width`` x ``height``.

        A shell around it writes its exit status to a file: tmux itself sometimes never
        reaps the child (seen with tmux 3.3a: the pane is dead, its status stays empty).
        """
        assignments = [f"{k}={v}" for k, v in (env or {}).items()]
        program = ["env", *[f"-u{name}" for name in _SCRUB], *assignments, *argv]
        status, partial = shlex.quote(str(self.status_file)), shlex.quote(f"{self.status_file}.tmp")
        script = f'"$@"; echo $? > {partial} && mv {partial} {status}'
        command = shlex.join(["sh", "-c", script, "sh", *program])
        self.tmux(
            "new-session", "-d", "-s", self.SESSION, "-x", str(width), "-y", str(height), command
        )
        self.server_pid, self.socket_path = (
            self.tmux("display-message", "-p", "-t", self.SESSION, "#{pid} #{socket_path}")
            .stdout.strip()
            .split(" ", 1)
        )

    def capture(self) -> str:
        """The pane's visible text, one line per row."""
        return self.tmux("capture-pane", "-p", "-t", self.SESSION).stdout

    def wait_for(self, *texts: str, timeout: float = 20) -> str:
        """Poll the pane until every one of ``texts`` is on it; the screen that had them."""
        seen = {"screen": ""}

        def check() -> str | None:
            screen = self.capture()
            seen["screen"] = screen
            return screen if all(t in screen for t in texts) else None

        deadline = time.monotonic() + timeout
        while True:
            if screen := check():
                return screen
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out after {timeout:.0f} s waiting for {texts!r}; the pane:\n"
                    + seen["screen"]
                )
            if self.dead() is not None:
                pytest.fail(
                    f"the program exited while waiting for {texts!r}; the pane:\n" + self.capture()
                )
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        """Send tmux key names (``C-s``, ``Enter``, ``2``…)."""
        self.tmux("send-keys", "-t", self.SESSION, *keys)

    def type(self, text: str) -> None:
        """Send ``text`` literally, as if typed."""
        self.tmux("send-keys", "-t", self.SESSION, "-l", text)

    def dead(self) -> int | None:
        """The program's exit status once it has exited, else None."""
        try:
            return int(self.status_file.read_text(encoding="ascii"))
        except FileNotFoundError:
            return None

    def wait_exit(self, timeout: float = 20) -> int:
        """Poll until the program has exited; its exit status (else fail, showing the pane)."""
        deadline = time.monotonic() + timeout
        while (status := self.dead()) is None:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out after {timeout:.0f} s waiting for the app to exit; the pane:\n"
                    + self.capture()
                )
            time.sleep(0.05)
        return status

    def kill(self) -> None:
        """End this server (and so the program in it) and remove its socket file."""
        self.tmux("kill-server", check=False)
        if self.server_pid:
            pid = int(self.server_pid)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A private tmux server, killed at the end (skips if tmux is not installed)."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = Tmux(tmp_path)
    try:
        yield server
    finally:
        server.kill()


def display_alive(display: str) -> bool:
    """Whether an X server accepts connections on ``display`` (a local ``:N``)."""
    env = {**os.environ, "DISPLAY": display}
    if shutil.which("xdpyinfo"):
        probe = ["xdpyinfo"]
    elif shutil.which("xclip"):
        probe = ["xclip", "-selection", "clipboard", "-o"]
    else:  # no client to ask: a server's socket is the best sign there is
        return Path(f"/tmp/.X11-unix/X{display.lstrip(':').split('.')[0]}").exists()
    try:
        result = subprocess.run(probe, env=env, capture_output=True, timeout=5, check=False)
    except subprocess.TimeoutExpired:
        return False
    # xclip -o on an empty clipboard exits 1 but says so; a dead display says "Can't open".
    return result.returncode == 0 or b"open display" not in result.stderr.lower()


def _display_in_use(number: int) -> bool:
    return Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists()


def free_display(start: int = 90) -> str:
    """A display number with no lock file, no socket and no server answering."""
    for number in range(start, start + 200):
        if not _display_in_use(number) and not display_alive(f":{number}"):
            return f":{number}"
    pytest.skip("no free X display number")


@pytest.fixture
def xvfb(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private Xvfb server; DISPLAY points at it for the test (skips without Xvfb/xclip)."""
    for tool in ("Xvfb", "xclip"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    process: subprocess.Popen[bytes] | None = None
    display = ""
    for _ in range(3):  # another server may grab the number between the check and the start
        display = free_display(90 + secrets.randbelow(400))
        process = subprocess.Popen(
            ["Xvfb", display, "-nolisten", "tcp", "-screen", "0", "640x480x24"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            if display_alive(display):
                break
            time.sleep(0.05)
        if process.poll() is None and display_alive(display):
            break
        process.kill()
        process.wait(timeout=5)
        process = None
    if process is None:
        pytest.fail("Xvfb did not start")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", display)
    try:
        yield display
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker is done and the screen has caught up."""
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
