"""A real RTSP source for tests: GStreamer's RTSP server streaming a test pattern as H.264.

Stands in for MediaMTX's RTSP output. Usage: /usr/bin/python3 rtsp-test-server.py PORT PATH...
Prints "READY" once it listens; serves until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port, paths = sys.argv[1], sys.argv[2:]
server = GstRtspServer.RTSPServer()
server.set_service(port)
for path in paths:
    factory = GstRtspServer.RTSPMediaFactory()
    # Short GOP so a new reader gets a keyframe at once; shared so readers don't restart it.
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 )"
    )
    factory.set_shared(True)
    server.get_mount_points().add_factory(f"/{path}", factory)
server.attach(None)
print("READY", flush=True)
GLib.MainLoop().run()
