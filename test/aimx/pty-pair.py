# A null-modem cable stand-in: two pseudo-terminals whose masters are cross-connected, so bytes
# written to one slave device come out of the other. Prints both slave paths on one line, then
# relays until stdin closes (the test ends it by closing stdin or killing the process).
import os, pty, select, sys, tty

m1, s1 = pty.openpty()
m2, s2 = pty.openpty()
for fd in (m1, s1, m2, s2):
    tty.setraw(fd)
sys.stdout.write(os.ttyname(s1) + " " + os.ttyname(s2) + "\n")
sys.stdout.flush()
stdin = sys.stdin.fileno()
peer = {m1: m2, m2: m1}
while True:
    ready, _, _ = select.select([m1, m2, stdin], [], [])
    if stdin in ready and not os.read(stdin, 1024):
        break
    for m in (m1, m2):
        if m in ready:
            try:
                data = os.read(m, 4096)
            except OSError:
                data = b""
            if data:
                os.write(peer[m], data)
