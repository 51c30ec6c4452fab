# A pseudo-terminal standing in for a UART in the CLI serial test: prints the slave device path,
# then relays bytes between the pty master and this process's stdin/stdout, unchanged (raw mode).
# The test serves AimX on the stdin/stdout side; the CLI opens the slave with `serialport`.
import os, pty, select, sys, tty

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
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if data:
            os.write(stdout, data)
    if stdin in ready:
        data = os.read(stdin, 4096)
        if not data:
            break
        os.write(master, data)
