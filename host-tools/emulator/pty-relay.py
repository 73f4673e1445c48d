#!/usr/bin/env python3
"""Pseudo-terminal relay for the board emulator: opens a pty pair, prints the slave's path on the first
line of stdout, then copies bytes between the master and this process's stdin/stdout until stdin closes.
The slave stays open here, so reads never fail while no client has the port open."""
import os
import pty
import select
import sys
import tty

master, slave = pty.openpty()
tty.setraw(slave)
tty.setraw(master)
sys.stdout.write(os.ttyname(slave) + "\n")
sys.stdout.flush()
stdin = sys.stdin.fileno()
stdout = sys.stdout.fileno()
while True:
    ready, _, _ = select.select([master, stdin], [], [])
    if master in ready:
        data = os.read(master, 4096)
        if data:
            os.write(stdout, data)
    if stdin in ready:
        data = os.read(stdin, 4096)
        if not data:
            break
        os.write(master, data)
