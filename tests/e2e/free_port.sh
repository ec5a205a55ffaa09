# Sourced by the e2e helpers.
# A free port below the kernel's ephemeral range, so that no test binding port 0 in parallel can
# be handed it after one of our services is killed and before it restarts.
free_port() {
  /usr/bin/python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randint(20000, min(low, 32768) - 1)
    try:
        s = socket.socket(); s.bind(("0.0.0.0", port)); s.close(); print(port); break
    except OSError:
        pass
PY
}
