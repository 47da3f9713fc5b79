"""Compiled-code cache for the Python that Ansible's modules run on this appliance.

Every Ansible task ships its module to the device as a zip of sources (AnsiballZ) and Python
imports it from there. Python keeps no bytecode for modules imported from a zip, and 3.11's
zipimport compiles each one twice (`get_filename` compiles to learn the path, then `get_code`
compiles again: CPython gh-141276). Compiling `ansible.module_utils.basic` and friends is about
half of what a module run costs the device (docs/fleet.md#on-the-device), and the same sources
arrive again with every task of every playbook.

For root only, and only for the payload zips Ansible writes (`ansible_<module>_payload.zip`),
this importer compiles each module once per process and keeps the code in a cache directory
owned by root and private to it, keyed by the SHA-256 of Python's bytecode magic and the source.
An entry is used only if its own checksum holds; anything unexpected (another owner or mode, a
torn entry, a full disk) falls back to compiling, as stock Python would.
"""

# Imported by a .pth file at every start of Python, so only what the interpreter has already
# loaded by then; the rest is imported when a payload is.
import os
import sys
import zipimport

CACHE_DIR = "/var/cache/camera-appliance/ansible-bytecode"
# Bound on the directory: each Ansible release adds a few hundred entries of 1-100 kB.
MAX_ENTRIES = 2048


def _is_ansible_payload(path):
    # The zip itself, or a package directory inside it (`…_payload.zip/ansible/module_utils`).
    archive, marker, inside = path.partition("_payload.zip")
    return (
        marker != ""
        and os.path.basename(archive).startswith("ansible_")
        and (inside == "" or inside.startswith("/"))
    )


def _private_to_root(directory):
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and st.st_mode & 0o077 == 0


class _CodeCache:
    def __init__(self, directory):
        self.directory = directory

    def _key(self, source):
        import hashlib
        from importlib.util import MAGIC_NUMBER

        return hashlib.sha256(MAGIC_NUMBER + source).hexdigest()

    def code_for(self, source, filename):
        import hashlib
        import marshal
        import types

        source = source.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        entry = os.path.join(self.directory, self._key(source))
        try:
            with open(entry, "rb") as f:
                data = f.read()
            if hashlib.sha256(data[32:]).digest() == data[:32]:
                code = marshal.loads(data[32:])
                if isinstance(code, types.CodeType):
                    # The cached code names the zip it was compiled from, a temporary
                    # directory long gone: tracebacks must name this one.
                    import _imp

                    _imp._fix_co_filename(code, filename)
                    return code
        except Exception:  # noqa: BLE001 - any trouble reading the cache means compiling
            pass
        code = compile(source, filename, "exec", dont_inherit=True)
        self._store(entry, marshal.dumps(code))
        return code

    def _store(self, entry, body):
        import hashlib

        temporary = "%s.%d.tmp" % (entry, os.getpid())
        try:
            self._bound()
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                os.write(fd, hashlib.sha256(body).digest() + body)
            finally:
                os.close(fd)
            # A rename is atomic: a reader sees the whole entry or none, and a torn one after a
            # power cut fails its checksum and is compiled again.
            os.replace(temporary, entry)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass

    def _bound(self):
        names = os.listdir(self.directory)
        if len(names) >= MAX_ENTRIES:
            for name in names:
                os.unlink(os.path.join(self.directory, name))


class CachingZipImporter(zipimport.zipimporter):
    """zipimport's importer, with each module's code compiled once and taken from the cache."""

    def __init__(self, path, cache):
        super().__init__(path)
        self._cache = cache
        self._loaded = {}

    def _load(self, fullname):
        if fullname not in self._loaded:
            is_package = self.is_package(fullname)
            inner = self.prefix + fullname.rpartition(".")[2]
            filename = "%s/%s" % (self.archive, inner + ("/__init__.py" if is_package else ".py"))
            try:
                source = self.get_data(filename)
            except OSError:
                # Bytecode only in the zip: not what Ansible ships, so stock zipimport decides.
                return super().get_code(fullname), super().get_filename(fullname)
            self._loaded[fullname] = (self._cache.code_for(source, filename), filename)
        return self._loaded[fullname]

    def get_code(self, fullname):
        return self._load(fullname)[0]

    def get_filename(self, fullname):
        return self._load(fullname)[1]


def install(directory=CACHE_DIR):
    """Puts the importer in front of zipimport's, for root's Ansible payloads only."""
    if os.geteuid() != 0:
        return
    cache = _CodeCache(directory)

    def hook(path):
        if not _is_ansible_payload(path) or not _private_to_root(directory):
            raise ImportError("not an Ansible payload with a usable cache")
        return CachingZipImporter(path, cache)

    # Ahead of zipimport's; the path entries already seen (the standard library's) keep theirs,
    # and Ansible adds its zip later.
    sys.path_hooks.insert(0, hook)
