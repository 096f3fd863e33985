"""Emulates a pod IP for a worker process on one machine: when SEDNALIB_POD_IP is set, every
outgoing IPv4 TCP connection is bound to that loopback address first (127.0.0.0/8 all reaches
this host), so the relay sees each replica at its own address, as it would see two pods. Sedna's
library is not touched; only the socket's source address changes."""
import os
import socket

_POD_IP = os.environ.get("SEDNALIB_POD_IP")

if _POD_IP:
    _connect = socket.socket.connect

    def _bound_connect(self, address):
        if self.family == socket.AF_INET and self.type == socket.SOCK_STREAM:
            try:
                if self.getsockname()[1] == 0:
                    self.bind((_POD_IP, 0))
            except OSError:
                pass
        return _connect(self, address)

    socket.socket.connect = _bound_connect
