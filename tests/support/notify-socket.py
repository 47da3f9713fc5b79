"""Plays systemd's side of sd_notify: a unix datagram socket; prints each message as one JSON line."""
import json
import socket
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(30)
print(json.dumps("LISTENING"), flush=True)
try:
    while True:
        message = sock.recv(4096).decode()
        print(json.dumps(message), flush=True)
        if "STOPPING=1" in message:
            break
except socket.timeout:
    pass
