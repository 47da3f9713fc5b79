"""A real RTSP source for tests: GStreamer's RTSP server streaming a test pattern as H.264.

Stands in for MediaMTX's RTSP output, and for a network camera. Usage:
/usr/bin/python3 rtsp-test-server.py [--login USER:PASSWORD [--basic]] PORT PATH...
With --login every path needs that login, by Digest (or Basic with --basic), like a camera.
Prints "READY" once it listens; serves until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)
args = sys.argv[1:]
login, basic = None, False
if args[0] == "--login":
    login, args = args[1].split(":", 1), args[2:]
    if args[0] == "--basic":
        basic, args = True, args[1:]
port, paths = args[0], args[1:]
server = GstRtspServer.RTSPServer()
server.set_service(port)
if login:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "camera-user")
    if basic:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(login[0], login[1]), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(login[0], login[1], token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
for path in paths:
    factory = GstRtspServer.RTSPMediaFactory()
    # Short GOP so a reader gets a keyframe at once. Not shared: each reader gets its own
    # pipeline. gst-rtsp-server 1.22 aborts the whole process (rtsp-media.c:2766, "complete stream
    # without rate") when a reader's PLAY meets a shared media another reader is just leaving;
    # two overlapping 1-frame ffmpeg reads in a loop hit it within 100 rounds, unshared 0 in 100.
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 )"
    )
    factory.set_shared(False)
    if login:
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                "camera-user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    server.get_mount_points().add_factory(f"/{path}", factory)
server.attach(None)
print("READY", flush=True)
GLib.MainLoop().run()
