"""`./logikal simulator ...`: argument errors and a real serve/Ctrl-C cycle."""

import signal
import socket
import subprocess
import threading

import pytest
import requests
from root_script import logikal_command

from logikal_sim.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--bogus"],
        ["serve", "--mode", "chaotic"],
        ["serve", "--port", "abc"],
        ["serve", "--port", "70000"],
        ["serve", "--latency-scale", "-1"],
        ["serve", "--dataset", "huge"],
        ["launch"],
        ["serve", "--max-sessions", "0"],
    ],
)
def test_bad_flags_print_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("logikal simulator: ") and "Traceback" not in err


def test_help_exits_0(capsys):
    assert main([]) == 0
    assert "serve" in capsys.readouterr().out


def test_serve_in_process_until_stopped(capsys):
    stop = threading.Event()
    stop.set()  # serve starts, prints, sees the stop request and shuts down cleanly
    assert main(["serve", "--port", "0", "--dataset", "s1", "--mode", "strict"], stop_event=stop) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:" in out and "password: secret" in out
    assert "1 projects, 2 phases, 17 elevations" in out


def test_busy_port_is_one_line_exit_1(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)], stop_event=threading.Event()) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot listen" in err


def _sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_logikal_script_serves_until_ctrl_c():
    proc = subprocess.Popen(
        logikal_command(
            "simulator", "serve", "--port", 0, "--dataset", "small", "--username", "u1", "--password", "p1"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C reaches a command run in a terminal; a test run started in the background (`make test &`)
        # has SIGINT ignored, which its children inherit and Python then never turns into KeyboardInterrupt
        preexec_fn=_sigint_default,
    )
    try:
        first_line = proc.stdout.readline()
        base_url = first_line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v3")
        credentials = {"username": "u1", "password": "p1", "erp": True}
        login = requests.post(base_url + "/auth", json=credentials, timeout=30)
        assert login.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err
