#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The D-Bus API of sandboxd, org.sandboxd.Sandbox1(5), against the real
daemon on a private dbus-daemon: a system-bus-like configuration (EXTERNAL
auth, the policies of /usr/share/dbus-1/system.conf, whose default denies
owning names and method calls) that includes the shipped bus policy.
Clients are busctl, gdbus and python3-dbus, as root and as uid 65534 (an
"agent": this script run with --agent as another process, driven by JSON
lines on its stdin). Run through dbus.sh, which checks the tools; prints
TAP. TESTDAEMON_KEEP=1 keeps the tmpdir.
"""

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

BUS_NAME = "org.sandboxd.Sandbox1"
MANAGER_PATH = "/org/sandboxd/Sandbox1"
MANAGER = "org.sandboxd.Sandbox1.Manager"
SANDBOX = "org.sandboxd.Sandbox1.Sandbox"
ERR = "org.sandboxd.Sandbox1.Error."
DBUS_ERR = "org.freedesktop.DBus.Error."
PROPS = "org.freedesktop.DBus.Properties"
OBJMGR = "org.freedesktop.DBus.ObjectManager"
SPAWN_SIG = "sasasshhha{sv}"
NOBODY = 65534

OPTION_TYPES = {
    "TimeoutUSec": dbus.UInt64, "MemoryMax": dbus.UInt64, "TasksMax": dbus.UInt64,
    "CPUUSec": dbus.UInt64, "NOFILE": dbus.UInt64, "FileSizeMax": dbus.UInt64,
    "Detach": dbus.Boolean,
}

# Tests whose expectation the daemon does not meet yet, by description:
# marked TODO (so they do not fail the suite, and report XPASS once fixed)
# until the lead decides whether the daemon or the spec changes.
SPEC_DISAGREEMENTS = {
}


class BusError(Exception):
    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message


def unwrap(v):
    """dbus-python values as plain JSON-able Python ones."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    if isinstance(v, dict):
        return {unwrap(k): unwrap(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [unwrap(x) for x in v]
    if isinstance(v, dbus.types.UnixFd):
        return -1
    return v


def realtime_usec():
    return int(time.clock_gettime(time.CLOCK_REALTIME) * 1e6)


def pump(pred, timeout):
    """Runs the GLib main context until pred() is true; pred()'s last value."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while True:
        while ctx.pending():
            ctx.iteration(False)
        r = pred()
        if r or time.monotonic() > deadline:
            return r
        time.sleep(0.02)


def sandbox_path(sid):
    return "%s/sandbox/%d" % (MANAGER_PATH, sid)


class DupKeys(dict):
    """An a{sv} whose key appears twice on the wire (dbus-python iterates
    the keys and looks each value up)."""

    def __init__(self, key, value):
        super().__init__({key: value})
        self.key = key

    def __iter__(self):
        return iter([self.key, self.key])

    def __len__(self):
        return 2


class Client:
    """One bus connection of this process; every signal from the daemon's
    objects is recorded in self.events as (path, interface, member, args)."""

    def __init__(self, address):
        self.bus = dbus.bus.BusConnection(address)
        self.events = []
        self.bus.add_signal_receiver(self._on_signal, sender_keyword="sender",
                                     path_keyword="path", interface_keyword="iface",
                                     member_keyword="member")

    def _on_signal(self, *args, sender=None, path=None, iface=None, member=None):
        if path and path.startswith(MANAGER_PATH):
            self.events.append((str(path), str(iface), str(member), unwrap(list(args))))

    def unique_name(self):
        return str(self.bus.get_unique_name())

    def call(self, path, iface, method, sig, *args, timeout=30):
        try:
            r = self.bus.call_blocking(BUS_NAME, path, iface, method, sig, args,
                                       timeout=timeout)
        except dbus.exceptions.DBusException as e:
            raise BusError(e.get_dbus_name(), e.get_dbus_message() or "") from None
        return unwrap(r)

    def manager(self, method, sig="", *args):
        return self.call(MANAGER_PATH, MANAGER, method, sig, *args)

    def props(self, path):
        return self.call(path, PROPS, "GetAll", "s", SANDBOX)

    def prop(self, path, name):
        return self.call(path, PROPS, "Get", "ss", SANDBOX, name)

    def kill_object(self, path, sig):
        return self.call(path, SANDBOX, "Kill", "i", sig)

    def introspect(self, path):
        return self.call(path, "org.freedesktop.DBus.Introspectable", "Introspect", "")

    def managed_objects(self):
        return self.call(MANAGER_PATH, OBJMGR, "GetManagedObjects", "")

    @staticmethod
    def _spawn_args(argv, policy, env, cwd, stdin, stdout, stderr, options):
        fds = []
        for path, flags in ((stdin, os.O_RDONLY),
                            (stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            fds.append(os.open(path or "/dev/null", flags | os.O_CLOEXEC, 0o644))
        opts = dbus.Dictionary({k: OPTION_TYPES[k](v) for k, v in (options or {}).items()},
                               signature="sv")
        args = (policy, dbus.Array(argv, signature="s"), dbus.Array(env or [], signature="s"),
                cwd, dbus.types.UnixFd(fds[0]), dbus.types.UnixFd(fds[1]),
                dbus.types.UnixFd(fds[2]), opts)
        for fd in fds:
            os.close(fd)
        return args

    def spawn(self, argv, policy="", env=None, cwd="", stdin=None, stdout=None, stderr=None,
              options=None):
        """Returns [id, path]; stdio are file paths (None: /dev/null)."""
        args = self._spawn_args(argv, policy, env, cwd, stdin, stdout, stderr, options)
        return self.manager("Spawn", SPAWN_SIG, *args)

    def spawn_and_leave(self, argv, options=None):
        """Sends Spawn and leaves the bus before its reply."""
        args = self._spawn_args(argv, "", None, "", None, None, None, options)
        self.bus.call_async(BUS_NAME, MANAGER_PATH, MANAGER, "Spawn", SPAWN_SIG, args,
                            None, None)
        self.bus.flush()
        os._exit(0)

    def call_and_leave(self, method, sig, *args):
        self.bus.call_async(BUS_NAME, MANAGER_PATH, MANAGER, method, sig, args, None, None)
        self.bus.flush()
        os._exit(0)

    def exited_event(self, path, since=0):
        for p, i, m, a in self.events[since:]:
            if p == path and i == SANDBOX and m == "Exited":
                return a
        return None

    def state_changes(self, path, since=0):
        """The State values PropertiesChanged announced for path, in order."""
        states = []
        for p, i, m, a in self.events[since:]:
            if p == path and i == PROPS and m == "PropertiesChanged" and a[0] == SANDBOX:
                if "State" in a[1]:
                    states.append(a[1]["State"])
                elif "State" in a[2]:
                    states.append("(invalidated)")
        return states

    def events_about(self, path, seconds):
        """After pumping for seconds: the signals received that were sent by,
        or name, the object path."""
        pump(lambda: False, seconds)
        return [e for e in self.events if e[0] == path or path in json.dumps(e[3])]

    def wait_state(self, path, state, timeout):
        def now():
            try:
                return self.prop(path, "State") == state
            except BusError:
                return False
        return pump(now, timeout)

    def spawn_wait(self, argv, kill=None, timeout=20, **kw):
        """Spawns, optionally KillSandbox()es it, waits for Exited; returns what
        a user would see: the signal's args, the properties after it and the
        State changes announced."""
        mark = len(self.events)
        t0 = realtime_usec()
        sid, path = self.spawn(argv, **kw)
        t1 = realtime_usec()
        if kill is not None:
            self.manager("KillSandbox", "ti", sid, kill)
        exited = pump(lambda: self.exited_event(path, mark), timeout)
        # The last PropertiesChanged may trail the signal a little.
        pump(lambda: "exited" in self.state_changes(path, mark), 2 if exited else 0)
        return {"id": sid, "path": path, "exited": exited, "props": self.props(path),
                "states": self.state_changes(path, mark), "t0": t0, "t1": t1}


def agent_main(address):
    """Serves one Client's methods to the test over stdin/stdout JSON lines."""
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    c = Client(address)
    print(json.dumps({"value": c.unique_name()}), flush=True)
    for line in iter(sys.stdin.readline, ""):
        req = json.loads(line)
        if req["op"] == "exit_now":
            os._exit(0)
        try:
            res = {"value": getattr(c, req["op"])(*req["args"], **req["kwargs"])}
        except BusError as e:
            res = {"error": e.name, "message": e.message}
        except Exception as e:  # the test's own bug: say so, keep serving
            res = {"error": "agent." + type(e).__name__, "message": str(e)}
        print(json.dumps(res), flush=True)


class Agent:
    """A Client in another process, optionally as another uid."""

    def __init__(self, h, uid=0):
        kw = {}
        if uid != 0:
            kw = {"user": uid, "group": uid, "extra_groups": []}
        self.uid = uid
        self.proc = subprocess.Popen(["/usr/bin/python3", h.script, "--agent", h.address],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd="/", **kw)
        h.agents.append(self)
        self.name = self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("agent (uid %d) died" % self.uid)
        res = json.loads(line)
        if "error" in res:
            raise BusError(res["error"], res["message"])
        return res["value"]

    def __getattr__(self, op):
        def remote(*args, **kwargs):
            self.proc.stdin.write(json.dumps({"op": op, "args": args, "kwargs": kwargs}) + "\n")
            self.proc.stdin.flush()
            if op in ("exit_now", "spawn_and_leave", "call_and_leave"):
                self.proc.wait(10)
                return None
            return self._read()
        return remote

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Tap:
    def __init__(self):
        self.n = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        todo = SPEC_DISAGREEMENTS.get(desc)
        line = "%s %d - %s" % ("ok" if cond else "not ok", self.n, desc)
        if todo:
            line += " # TODO spec disagreement: " + todo
        print(line, flush=True)
        if not cond and diag is not None:
            for d in str(diag).splitlines() or [""]:
                print("# " + d, flush=True)
        return bool(cond)

    def error(self, fn, name, desc, contains=None):
        """fn() must fail with the D-Bus error name (and message containing contains)."""
        try:
            got = fn()
        except BusError as e:
            good = e.name == name and (contains is None or contains in e.message)
            return self.ok(good, desc, "expected %s%s, got %s: %s" % (
                name, " naming %r" % contains if contains else "", e.name, e.message))
        return self.ok(False, desc, "expected %s, got a reply: %r" % (name, got))

    def succeeds(self, fn, desc):
        """fn() must reply; returns the reply (or None)."""
        try:
            r = fn()
        except BusError as e:
            self.ok(False, desc, "expected a reply, got %s: %s" % (e.name, e.message))
            return None
        self.ok(True, desc)
        return r

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why), flush=True)


def cgroup_dirs(pid):
    """The test daemon's own cgroups, as tests/lib/testdaemon.c makes them:
    /sys/fs/cgroup[/CTL]<ours>/sandboxd-itest-PID for memory, pids, cpuacct
    and the v2 hierarchy, so that parallel test daemons do not share one."""
    lines = []
    with open("/proc/self/cgroup") as f:
        for line in f:
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) == 3:
                lines.append((parts[1], "" if parts[2] == "/" else parts[2]))
    dirs = []
    for ctl in ("memory", "pids", "cpuacct", ""):
        for ctls, path in lines:
            if ctl and (ctls == ctl or (ctl in ctls and ctls)):
                dirs.append((ctl, "/sys/fs/cgroup/%s%s/sandboxd-itest-%d" % (ctl, path, pid)))
                break
            if not ctl and not ctls:
                if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                    dirs.append((ctl, "/sys/fs/cgroup%s/sandboxd-itest-%d" % (path, pid)))
                break
    return dirs


def die_with_us():
    """In a child before exec: SIGKILL when the test dies, however it dies."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def daemon_preexec():
    """In the daemon's child: own process group, killed with us, own cgroups."""
    os.setpgid(0, 0)
    die_with_us()
    for ctl, d in cgroup_dirs(os.getpid()):
        try:
            os.mkdir(d, 0o755)
        except FileExistsError:
            pass
        except OSError:
            continue
        if not ctl:
            parent = os.path.dirname(d)
            for c in ("memory", "pids", "cpu"):
                try:
                    with open(parent + "/cgroup.subtree_control", "w") as f:
                        f.write("+%s\n" % c)
                except OSError:
                    pass
            try:
                with open(d + "/cgroup.controllers") as f:
                    have = f.read()
                if "memory" in have and "pids" in have:
                    os.setxattr(d, "trusted.delegate", b"1")
            except OSError:
                pass
        try:
            with open(d + "/cgroup.procs", "w") as f:
                f.write("0\n")
        except OSError:
            pass


def cgroup_remove(pid):
    for _, d in cgroup_dirs(pid):
        for sub in ("/sandboxd", "/supervisor", ""):
            try:
                os.rmdir(d + sub)
            except OSError:
                pass


def shipped(rel):
    """A shipped file, from the source tree."""
    top = os.environ.get("TOP_SRCDIR") or os.path.join(os.path.dirname(__file__), "../..")
    return os.path.join(top, rel)


SYSTEM_CONF = "/usr/share/dbus-1/system.conf"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- A private system bus for test-dbus.py: the policies of the system bus's
     own configuration, none of its activation, syslog or system.d, and the
     shipped policy. -->
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=%(socket)s</listen>
  %(policies)s
  <!-- The system bus allows 128 calls awaiting replies per connection;
       the burst test sends 200 at once to the daemon, not to the bus. -->
  <limit name="max_replies_per_connection">1024</limit>
  <include>%(policy)s</include>
</busconfig>
"""


def system_bus_policies():
    """The <policy> elements of the system bus's configuration, as text:
    deny own and method calls by default, allow signals, replies and
    talking to the bus itself."""
    root = ET.parse(SYSTEM_CONF).getroot()
    return "".join(ET.tostring(p, encoding="unicode") for p in root.findall("policy"))


class Harness:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="sandboxd-dbus.")
        os.chmod(self.tmp, 0o755)
        self.policies = os.path.join(self.tmp, "policies")
        os.mkdir(self.policies, 0o755)
        # uid 65534's agent reads the script and writes its stdio here.
        self.script = os.path.join(self.tmp, "test-dbus.py")
        shutil.copy(os.path.abspath(__file__), self.script)
        os.chmod(self.script, 0o755)
        self.nobody_dir = os.path.join(self.tmp, "nobody")
        os.mkdir(self.nobody_dir, 0o755)
        os.chown(self.nobody_dir, NOBODY, NOBODY)
        self.socket = os.path.join(self.tmp, "s.sock")
        self.bus_proc = None
        self.daemon = None
        self.daemon_log = None
        self.daemons = []
        self.agents = []
        self.address = None
        self.sandboxd = os.environ["SANDBOXD"]
        self.sandboxctl = os.environ["SANDBOXCTL"]

    def path(self, name):
        return os.path.join(self.tmp, name)

    def start_bus(self):
        conf = self.path("bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG % {"socket": self.path("bus"), "policies": system_bus_policies(),
                                  "policy": shipped("units/org.sandboxd.Sandbox1.conf")})
        self.bus_proc = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=open(self.path("bus.log"), "w"), text=True, preexec_fn=die_with_us)
        self.address = self.bus_proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon did not start: " + self.read("bus.log"))

    def read(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start_daemon(self, args, bus_address=None, log="sandboxd.log", wait_name=True):
        """Starts $SANDBOXD -s DIR/s.sock -p DIR/policies ARGS with
        DBUS_SYSTEM_BUS_ADDRESS=bus_address (default: the private bus)."""
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = bus_address or self.address
        env.pop("NOTIFY_SOCKET", None)
        env.pop("LISTEN_FDS", None)
        env.pop("LISTEN_PID", None)
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        self.daemon_log = self.path(log)
        logf = open(self.daemon_log, "a")
        self.daemon = subprocess.Popen(
            [self.sandboxd, "-s", self.socket, "-p", self.policies] + args, env=env,
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, preexec_fn=daemon_preexec)
        logf.close()
        self.daemons.append(self.daemon)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                return False
            if self.socket_accepts() and (not wait_name or self.name_owned()):
                return True
            time.sleep(0.05)
        return False

    def socket_accepts(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC) as c:
            try:
                c.connect(self.socket)
            except OSError:
                return False
        return True

    def name_owned(self):
        r = subprocess.run(["busctl", "--address=" + self.address, "status", BUS_NAME],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def stop_daemon(self, timeout=20):
        """SIGTERM, then SIGKILL; returns the exit status (None if killed)."""
        p, self.daemon = self.daemon, None
        if p is None:
            return None
        rc = None
        if p.poll() is None:
            p.terminate()
            try:
                rc = p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        else:
            rc = p.returncode
        cgroup_remove(p.pid)
        return rc

    def sandboxctl_run(self, *argv):
        r = subprocess.run([self.sandboxctl, "-S", self.socket, "run", "--"] + list(argv),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        return r.returncode, r.stdout + r.stderr

    def cleanup(self):
        for a in self.agents:
            a.close()
        for p in self.daemons:
            if p.poll() is None:
                p.kill()
                p.wait()
            cgroup_remove(p.pid)
        if self.bus_proc and self.bus_proc.poll() is None:
            self.bus_proc.terminate()
            try:
                self.bus_proc.wait(5)
            except subprocess.TimeoutExpired:
                self.bus_proc.kill()
                self.bus_proc.wait()
        if os.environ.get("TESTDAEMON_KEEP"):
            print("# keeping " + self.tmp, flush=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- 1. introspection ------------------------------------------------------

# The API as org.sandboxd.Sandbox1(5) and issue 10 fix it: methods with
# (name, type, direction) per argument, signals with their argument types,
# properties with (type, access, EmitsChangedSignal).
SPEC = {
    MANAGER: {
        "methods": {
            "Spawn": [("policy", "s", "in"), ("argv", "as", "in"), ("env", "as", "in"),
                      ("cwd", "s", "in"), ("stdin", "h", "in"), ("stdout", "h", "in"),
                      ("stderr", "h", "in"), ("options", "a{sv}", "in"),
                      ("id", "t", "out"), ("sandbox", "o", "out")],
            "ListSandboxes": [("sandboxes", "a(tsusso)", "out")],
            "GetSandbox": [("id", "t", "in"), ("sandbox", "o", "out")],
            "KillSandbox": [("id", "t", "in"), ("signal", "i", "in")],
            "ListPolicies": [("policies", "a(ss)", "out")],
            "GetPolicy": [("name", "s", "in"), ("text", "s", "out")],
            "CheckPolicy": [("text", "s", "in"), ("diagnostics", "a(uss)", "out")],
            "Reload": [],
        },
        "signals": {"SandboxNew": ["t", "o"], "SandboxRemoved": ["t", "o"]},
        "properties": {},
    },
    SANDBOX: {
        "methods": {"Kill": [("signal", "i", "in")]},
        "signals": {"Exited": ["b", "i", "s"]},
        "properties": dict(
            [(n, (t, "read", "const")) for n, t in (
                ("Id", "t"), ("Policy", "s"), ("OwnerUID", "u"), ("Command", "as"),
                ("StartTimestamp", "t"))] +
            [(n, (t, "read", "true")) for n, t in (
                ("State", "s"), ("ExitCode", "i"), ("ExitSignal", "i"), ("LimitHit", "s"))] +
            [(n, ("t", "read", "false")) for n in (
                "CPUUSec", "MemoryPeak", "WallUSec", "BrokerRequests", "BrokerDenials")]),
    },
}


def describe_interface(xml_text, name):
    """An interface of an introspection document as SPEC describes one, or None."""
    root = ET.fromstring(xml_text)
    for iface in root.iter("interface"):
        if iface.get("name") != name:
            continue
        d = {"methods": {}, "signals": {}, "properties": {}}
        for m in iface.findall("method"):
            d["methods"][m.get("name")] = [
                (a.get("name"), a.get("type"), a.get("direction", "in"))
                for a in m.findall("arg")]
        for s in iface.findall("signal"):
            d["signals"][s.get("name")] = [a.get("type") for a in s.findall("arg")]
        for p in iface.findall("property"):
            ecs = "true"
            for a in p.findall("annotation"):
                if a.get("name") == "org.freedesktop.DBus.Property.EmitsChangedSignal":
                    ecs = a.get("value")
            d["properties"][p.get("name")] = (p.get("type"), p.get("access"), ecs)
        return d
    return None


def interface_diff(want, got):
    """What differs between two describe_interface() results, one line each."""
    if got is None:
        return ["interface missing"]
    out = []
    for kind in ("methods", "signals", "properties"):
        w, g = want[kind], got[kind]
        for k in sorted(set(w) | set(g)):
            if k not in g:
                out.append("%s %s: missing" % (kind, k))
            elif k not in w:
                out.append("%s %s: unexpected %r" % (kind, k, g[k]))
            elif w[k] != g[k]:
                out.append("%s %s: want %r, got %r" % (kind, k, w[k], g[k]))
    return out


def busctl_introspect(h, path, uid=0):
    kw = {"user": uid, "group": uid, "extra_groups": []} if uid else {}
    r = subprocess.run(["busctl", "--address=" + h.address, "introspect", "--xml-interface",
                        BUS_NAME, path], capture_output=True, text=True, timeout=30, **kw)
    return r.stdout if r.returncode == 0 else None


def test_introspection(t, h, root, sid):
    for iface, path in ((MANAGER, MANAGER_PATH), (SANDBOX, sandbox_path(sid))):
        xml_file = shipped("protocol/%s.xml" % iface)
        with open(xml_file) as f:
            want = describe_interface(f.read(), iface)
        d = interface_diff(SPEC[iface], want)
        t.ok(not d, "the shipped %s.xml has the API of org.sandboxd.Sandbox1(5)" % iface,
             "\n".join(d))
        text = busctl_introspect(h, path)
        if text is None:
            t.ok(False, "busctl introspects %s" % path)
            continue
        d = interface_diff(want, describe_interface(text, iface))
        t.ok(not d, "busctl introspect of %s matches the shipped %s.xml" % (path, iface),
             "\n".join(d))
    text = busctl_introspect(h, MANAGER_PATH) or "<node/>"
    have = [i.get("name") for i in ET.fromstring(text).iter("interface")]
    t.ok(OBJMGR in have, "the manager object implements org.freedesktop.DBus.ObjectManager",
         have)


# ---- 2. Spawn from the command line, with the tool's own fds ----------------

def cli_spawn(h, tool, argv, fds):
    """Spawn through busctl or gdbus, each passing fd numbers of its own
    process for "h"; returns (rc, (id, path) or None, output). Detached:
    the tool leaves the bus right after the reply."""
    if tool == "busctl":
        cmd = ["busctl", "--address=" + h.address, "--json=short", "--", "call", BUS_NAME,
               MANAGER_PATH, MANAGER, "Spawn", SPAWN_SIG, "", str(len(argv))] + argv + \
              ["0", ""] + [str(fd) for fd in fds] + ["1", "Detach", "b", "true"]
    else:
        cmd = ["gdbus", "call", "--address", h.address, "--dest", BUS_NAME,
               "--object-path", MANAGER_PATH, "--method", MANAGER + ".Spawn", "--",
               "''", repr(argv), "@as []", "''"] + ["handle %d" % fd for fd in fds] + \
              ["{'Detach': <true>}"]
    r = subprocess.run(cmd, pass_fds=fds, capture_output=True, text=True, timeout=30)
    reply = None
    try:
        if tool == "busctl":
            reply = tuple(json.loads(r.stdout)["data"])
        else:
            m = re.fullmatch(r"\(uint64 (\d+), objectpath '([^']*)'\)\n", r.stdout)
            reply = (int(m.group(1)), m.group(2))
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return r.returncode, reply, r.stdout + r.stderr


def busctl_has_fds():
    """busctl sends "h" arguments since systemd 254; 252 (Debian 12) cannot."""
    r = subprocess.run(["busctl", "--version"], capture_output=True, text=True)
    m = re.match(r"systemd (\d+)", r.stdout)
    return bool(m) and int(m.group(1)) >= 254


def test_cli_spawn(t, h, root, tool):
    """Returns the sandbox's id (it has exited), or None."""
    inp, out, err = (h.path("%s.%s" % (tool, x)) for x in ("in", "out", "err"))
    with open(inp, "w") as f:
        f.write("hello from %s\n" % tool)
    fds = (os.open(inp, os.O_RDONLY), os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
           os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    argv = ["/bin/sh", "-c", "cat; echo err >&2"]
    rc, reply, output = cli_spawn(h, tool, argv, fds)
    for fd in fds:
        os.close(fd)
    if not t.ok(rc == 0 and reply, "%s call Spawn with its own fds as h replies "
                "(t id, o sandbox)" % tool, "rc %d: %s" % (rc, output)):
        return None
    sid, path = reply
    t.ok(path == sandbox_path(sid), "%s: the reply's object path is .../sandbox/<id>" % tool,
         "%r for id %r" % (path, sid))
    try:
        got = root.manager("GetSandbox", "t", sid)
    except BusError as e:
        got = e
    t.ok(got == path, "%s: GetSandbox(id) is the path Spawn replied" % tool,
         "%r vs %r" % (got, path))
    listed = [s for s in root.manager("ListSandboxes") if s[0] == sid]
    t.ok(listed and listed[0][5] == path and listed[0][1] == "default" and listed[0][2] == 0
         and listed[0][4] == " ".join(argv),
         "%s: ListSandboxes lists it: id, policy, owner uid, command line, path" % tool, listed)
    t.ok(root.wait_state(path, "exited", 20), "%s: the sandbox exits" % tool)
    t.ok(h.read(tool + ".out") == "hello from %s\n" % tool,
         "%s: its stdout (a file) holds its stdin (another file)" % tool,
         repr(h.read(tool + ".out")))
    t.ok(h.read(tool + ".err") == "err\n", "%s: its stderr went to the file passed" % tool,
         repr(h.read(tool + ".err")))
    r = subprocess.run(["busctl", "--address=" + h.address, "--json=short", "call", BUS_NAME,
                        MANAGER_PATH, MANAGER, "GetSandbox", "t", str(sid)],
                       capture_output=True, text=True, timeout=30)
    t.ok(r.returncode == 0 and json.loads(r.stdout or "{}").get("data") == [path],
         "%s: busctl call GetSandbox agrees" % tool, r.stdout + r.stderr)
    return sid


# ---- 3. exit properties and the Exited signal -------------------------------

def test_exits(t, c, uid, who):
    argv = ["/bin/sh", "-c", "exit 7"]
    r = c.spawn_wait(argv)
    p = r["props"]
    t.ok(r["exited"] == [True, 7, "none"], "%s: Exited(true, 7, \"none\") for exit 7" % who,
         r["exited"])
    want = {"Id": r["id"], "State": "exited", "ExitCode": 7, "ExitSignal": 0,
            "LimitHit": "none", "Command": argv, "Policy": "default", "OwnerUID": uid}
    bad = {k: (v, p.get(k)) for k, v in want.items() if p.get(k) != v}
    t.ok(not bad, "%s: properties after exit 7 (want, got): %s" % (who, ", ".join(want)), bad)
    t.ok(p.get("WallUSec", 0) > 0, "%s: WallUSec > 0" % who, p.get("WallUSec"))
    ts = p.get("StartTimestamp", 0)
    t.ok(r["t0"] - 5e6 <= ts <= r["t1"] + 5e6,
         "%s: StartTimestamp is the realtime of the spawn" % who,
         "%r not within [%r, %r] (±5 s)" % (ts, r["t0"], r["t1"]))
    for k in ("CPUUSec", "MemoryPeak", "BrokerRequests", "BrokerDenials"):
        if not isinstance(p.get(k), int):
            t.ok(False, "%s: property %s is there" % (who, k), p)
    t.ok(r["states"] and r["states"][-1] == "exited",
         "%s: PropertiesChanged announced State, last \"exited\"" % who, r["states"])

    for sig in (signal.SIGTERM, signal.SIGKILL):
        r = c.spawn_wait(["/bin/sleep", "60"], kill=sig)
        p = r["props"]
        name = signal.Signals(sig).name
        t.ok(r["exited"] == [False, sig, "killed"],
             "%s: KillSandbox(%s): Exited(false, %d, \"killed\")" % (who, name, sig),
             r["exited"])
        t.ok((p.get("State"), p.get("ExitCode"), p.get("ExitSignal"), p.get("LimitHit")) ==
             ("exited", -1, sig, "killed"),
             "%s: KillSandbox(%s): State \"exited\", ExitCode -1, ExitSignal %d, "
             "LimitHit \"killed\"" % (who, name, sig), p)

    r = c.spawn_wait(["/bin/sleep", "60"], options={"TimeoutUSec": 500000})
    p = r["props"]
    t.ok(r["exited"] == [False, 9, "timeout"],
         "%s: TimeoutUSec=0.5 s: Exited(false, 9, \"timeout\")" % who, r["exited"])
    t.ok((p.get("ExitSignal"), p.get("LimitHit")) == (9, "timeout"),
         "%s: timed out: ExitSignal 9, LimitHit \"timeout\"" % who, p)
    t.ok(p.get("WallUSec", 0) >= 400000, "%s: timed out: WallUSec >= 0.4 s" % who,
         p.get("WallUSec"))


def test_options(t, h, c, who, outdir):
    """Options narrow the policy where the program sees it: its rlimits."""
    out = os.path.join(outdir, "limits.out")
    r = c.spawn_wait(["/bin/sh", "-c", "ulimit -n; ulimit -f"], stdout=out,
                     options={"NOFILE": 32, "FileSizeMax": 1 << 20})
    with open(out) as f:
        got = f.read()
    t.ok(r["exited"] == [True, 0, "none"] and got == "32\n2048\n",
         "%s: NOFILE=32 and FileSizeMax=1 MiB are the program's rlimits" % who,
         (r["exited"], got))
    r = c.spawn_wait(["/bin/sh", "-c", "ulimit -n"], stdout=out)
    with open(out) as f:
        got = f.read()
    t.ok(got == "256\n", "%s: without NOFILE the policy's OpenFiles=256 applies" % who, got)


# ---- 4. third-party clients --------------------------------------------------

def test_clients(t, h, root):
    a = Agent(h)
    r = a.spawn_wait(["/bin/sh", "-c", "echo out; exit 3"], stdout=h.path("agent.out"))
    t.ok(r["exited"] == [True, 3, "none"] and h.read("agent.out") == "out\n",
         "a second python3-dbus client spawns, waits for Exited, reads the output",
         (r["exited"], h.read("agent.out")))
    a.exit_now()
    # One that only listens, as "gdbus monitor" would, never having called:
    # the daemon addresses its signals to the clients it knows may see the
    # sandbox (org.sandboxd.Sandbox1(5), "Who receives the signals"), and it
    # knows a client once it has called.
    a = Agent(h)
    sid, path = root.spawn(["/bin/true"])
    root.wait_state(path, "exited", 10)
    heard = [e[2] for e in a.events_about(path, 1)]
    t.ok(heard == [], "a root client that only listens, never having called, hears nothing",
         heard)
    a.manager("ListPolicies")
    sid, path = root.spawn(["/bin/true"])
    root.wait_state(path, "exited", 10)
    heard = [e[2] for e in a.events_about(path, 1)]
    t.ok("SandboxNew" in heard and "Exited" in heard,
         "... once it has called the daemon, it does", heard)
    a.exit_now()
    names = [p[0] for p in root.manager("ListPolicies")]
    g = subprocess.run(["gdbus", "call", "--address", h.address, "--dest", BUS_NAME,
                        "--object-path", MANAGER_PATH, "--method", MANAGER + ".ListPolicies"],
                       capture_output=True, text=True, timeout=30)
    t.ok(g.returncode == 0 and names and all("'%s'" % n in g.stdout for n in names),
         "gdbus call ListPolicies lists the policies (%s)" % ", ".join(names),
         g.stdout + g.stderr)
    t.ok("default" in names, "ListPolicies has the default policy", names)


# ---- 5. root and uid 65534 ---------------------------------------------------

def test_users(t, h, root, nobody):
    rid, rpath = root.spawn(["/bin/sleep", "60"])
    t.ok(root.prop(rpath, "State") == "running",
         "Spawn replies once the program runs: State is \"running\" right after")
    nid, npath = nobody.spawn(["/bin/sleep", "60"])
    mine = nobody.manager("ListSandboxes")
    t.ok(nid in [s[0] for s in mine] and all(s[2] == NOBODY for s in mine),
         "uid 65534's ListSandboxes lists its own sandbox and only its own", mine)
    t.ok(rid not in [s[0] for s in mine], "uid 65534's ListSandboxes does not list root's",
         mine)
    ids = [s[0] for s in root.manager("ListSandboxes")]
    t.ok(rid in ids and nid in ids, "root's ListSandboxes lists both", ids)
    t.ok(ids == sorted(ids, reverse=True), "ListSandboxes is newest first", ids)
    t.error(lambda: nobody.manager("GetSandbox", "t", rid), ERR + "NoSuchSandbox",
            "GetSandbox of root's id by uid 65534: NoSuchSandbox")
    t.error(lambda: nobody.manager("KillSandbox", "ti", rid, signal.SIGKILL),
            ERR + "NoSuchSandbox", "KillSandbox of root's id by uid 65534: NoSuchSandbox")
    try:
        got = nobody.props(rpath)
        t.ok(False, "root's sandbox object refuses uid 65534's GetAll", "got %r" % got)
    except BusError as e:
        t.ok(True, "root's sandbox object refuses uid 65534's GetAll")
        t.ok(e.name == DBUS_ERR + "UnknownObject",
             "... as org.freedesktop.DBus.Error.UnknownObject", "%s: %s" % (e.name, e.message))
    t.error(lambda: nobody.kill_object(rpath, signal.SIGKILL), DBUS_ERR + "UnknownObject",
            "Kill() on root's sandbox object by uid 65534: UnknownObject")
    t.ok(root.prop(rpath, "State") == "running", "root's sandbox still runs after all that")
    objs = nobody.managed_objects()
    t.ok(npath in objs and rpath not in objs and
         all(o[SANDBOX]["OwnerUID"] == NOBODY for o in objs.values() if SANDBOX in o),
         "uid 65534's GetManagedObjects has its own sandboxes only", sorted(objs))
    objs = root.managed_objects()
    t.ok(npath in objs and rpath in objs, "root's GetManagedObjects has both", sorted(objs))
    t.ok(objs.get(rpath, {}).get(SANDBOX, {}).get("Id") == rid,
         "GetManagedObjects carries the Sandbox properties", objs.get(rpath))
    def nodes(c):
        xml_text = c.introspect(MANAGER_PATH + "/sandbox")
        return [n.get("name") for n in ET.fromstring(xml_text).findall("node")]
    try:
        mine, alls = nodes(nobody), nodes(root)
    except (BusError, ET.ParseError) as e:
        mine = alls = repr(e)
    t.ok(str(nid) in mine and str(rid) not in mine,
         "uid 65534's introspection of .../sandbox shows its node, not root's", mine)
    t.ok(str(nid) in alls and str(rid) in alls, "root's introspection shows both", alls)
    t.ok(nobody.manager("GetSandbox", "t", nid) == npath, "uid 65534 finds its own sandbox")
    p = nobody.props(npath)
    t.ok(p.get("OwnerUID") == NOBODY and p.get("State") == "running",
         "uid 65534 reads its own sandbox's properties", p)
    t.succeeds(lambda: nobody.kill_object(npath, signal.SIGTERM),
               "uid 65534 Kill()s its own sandbox")
    t.ok(root.wait_state(npath, "exited", 10) and root.prop(npath, "LimitHit") == "killed",
         "uid 65534's sandbox exits after its Kill(SIGTERM), LimitHit \"killed\"",
         root.props(npath))
    t.succeeds(lambda: root.manager("KillSandbox", "ti", rid, signal.SIGKILL),
               "root KillSandbox()es its own sandbox")
    t.ok(root.wait_state(rpath, "exited", 10), "... and it exits")
    leaked = nobody.events_about(rpath, 0.5)
    t.ok(root.events_about(rpath, 0) and not leaked,
         "uid 65534 hears no signal about root's sandbox (root does)",
         "\n".join(map(str, leaked)))
    # Everyone may list, show and check policies.
    t.ok(nobody.manager("ListPolicies") == root.manager("ListPolicies"),
         "uid 65534's ListPolicies is root's")
    t.ok(nobody.manager("GetPolicy", "s", "default") ==
         root.manager("GetPolicy", "s", "default"), "uid 65534's GetPolicy is root's")
    # Reload: root only.
    t.error(lambda: nobody.manager("Reload"), DBUS_ERR + "AccessDenied",
            "Reload by uid 65534: AccessDenied, from the daemon", contains="root")
    text = root.manager("GetPolicy", "s", "default").replace(
        "Description=", "Description=dbus-test: ", 1)
    with open(os.path.join(h.policies, "dbus-added.policy"), "w") as f:
        f.write(text)
    before = [p[0] for p in root.manager("ListPolicies")]
    t.succeeds(lambda: root.manager("Reload"), "Reload by root")
    after = {p[0]: p[1] for p in root.manager("ListPolicies")}
    t.ok("dbus-added" not in before and after.get("dbus-added", "").startswith("dbus-test: "),
         "after Reload a policy added to the directory is listed", (before, after))
    # A broken file does not stop the others (sandboxd.policy(5)): a new one
    # is left out, an edited one keeps its previous version; the caller hears
    # which.
    with open(os.path.join(h.policies, "dbus-broken.policy"), "w") as f:
        f.write("[Policy]\nNoSuchKey=1\n")
    with open(os.path.join(h.policies, "dbus-added.policy"), "a") as f:
        f.write("[Limits]\nNoSuchKey=1\n")
    t.error(lambda: root.manager("Reload"), ERR + "ReloadFailed",
            "Reload with broken policy files: ReloadFailed, naming them",
            contains="did not load (the daemon's log names each file and line); each keeps "
            "its previous version if it had one: dbus-added dbus-broken")
    now = {p[0]: p[1] for p in root.manager("ListPolicies")}
    t.ok(now == after and root.manager("GetPolicy", "s", "dbus-added") == text,
         "... leaving out the new broken one and keeping the edited one's previous text",
         (after, now))


# ---- 6. the caller leaves ----------------------------------------------------

def running_cmdline(argv):
    """pids whose /proc/PID/cmdline is argv."""
    want = ("\0".join(argv) + "\0").encode()
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if f.read() == want:
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def test_caller_leaves(t, h, root):
    a = Agent(h)
    sid, path = a.spawn(["/bin/sleep", "60"])
    started = time.monotonic()
    a.exit_now()
    gone = root.wait_state(path, "exited", 10)
    took = time.monotonic() - started
    t.ok(gone and root.prop(path, "LimitHit") == "killed",
         "a non-detached sandbox ends when its caller leaves the bus, LimitHit \"killed\"",
         root.props(path))

    a = Agent(h, NOBODY)
    sid, path = a.spawn(["/bin/sleep", "60"], options={"Detach": True})
    a.exit_now()
    # Twice as long as the kill above took, and a second more.
    time.sleep(min(2 * took + 1, 10))
    t.ok(root.prop(path, "State") == "running",
         "a Detach=true sandbox keeps running when its caller (uid 65534) has left")
    root.manager("KillSandbox", "ti", sid, signal.SIGKILL)
    t.ok(root.wait_state(path, "exited", 10), "... until killed")

    argv = ["/bin/sleep", "59.125"]
    a = Agent(h)
    a.spawn_and_leave(argv)

    def settled():
        mine = [s for s in root.manager("ListSandboxes") if s[4] == " ".join(argv)]
        return mine and all(s[3] == "exited" for s in mine)
    settled = pump(settled, 10)
    t.ok(not running_cmdline(argv),
         "a caller that leaves before Spawn's reply leaves no program running",
         "still running: %r; listed: %r" % (running_cmdline(argv), root.manager("ListSandboxes")))
    if settled:
        mine = [s for s in root.manager("ListSandboxes") if s[4] == " ".join(argv)]
        lim = [root.prop(s[5], "LimitHit") for s in mine]
        t.ok(all(x == "killed" for x in lim), "... its sandbox ended as \"killed\"", lim)
    else:
        t.ok(not [s for s in root.manager("ListSandboxes") if s[4] == " ".join(argv)],
             "... and no sandbox of it is listed as running", root.manager("ListSandboxes"))


# ---- 7. SandboxNew, SandboxRemoved, InterfacesAdded/Removed ------------------

def test_lifecycle_signals(t, h, root):
    pump(lambda: False, 0.5)  # what the previous daemon said on its way out
    mark = len(root.events)
    sid, path = root.spawn(["/bin/true"])

    def ev(member, iface=None, since=mark):
        return [(i, e) for i, e in enumerate(root.events) if i >= since and e[2] == member and
                (iface is None or e[1] == iface)]
    removed = pump(lambda: [x for x in ev("SandboxRemoved") if x[1][3] == [sid, path]],
                   15) or []
    new = [e for _, e in ev("SandboxNew") if e[3] == [sid, path]]
    t.ok(new and new[0][0] == MANAGER_PATH and new[0][1] == MANAGER,
         "SandboxNew(id, path) on the manager", root.events[mark:])
    added = [e for _, e in ev("InterfacesAdded", OBJMGR) if e[3][0] == path]
    t.ok(added and added[0][0] == MANAGER_PATH and SANDBOX in added[0][3][1] and
         added[0][3][1][SANDBOX].get("Id") == sid,
         "InterfacesAdded(path, {Sandbox: properties}) on the manager", added)
    exited = [i for i, e in ev("Exited") if e[0] == path]
    t.ok(removed and exited and removed[0][0] > exited[0],
         "SandboxRemoved(id, path) after Exited, once ExitedSandboxLinger= has passed",
         root.events[mark:])
    pump(lambda: [e for _, e in ev("InterfacesRemoved", OBJMGR) if e[3][0] == path], 2)
    gone = [e for _, e in ev("InterfacesRemoved", OBJMGR) if e[3][0] == path]
    t.ok(gone and SANDBOX in gone[0][3][1], "InterfacesRemoved(path, [Sandbox])",
         root.events[mark:])
    t.error(lambda: root.manager("GetSandbox", "t", sid), ERR + "NoSuchSandbox",
            "after SandboxRemoved GetSandbox(id): NoSuchSandbox")
    t.error(lambda: root.props(path), DBUS_ERR + "UnknownObject",
            "after SandboxRemoved its object is gone: UnknownObject")
    t.ok(sid not in [s[0] for s in root.manager("ListSandboxes")],
         "after SandboxRemoved ListSandboxes does not list it")


def test_too_many(t, root, nobody):
    """MaxSandboxesPerUser=2: a third running sandbox of one user is refused,
    another user's first is not."""
    ids = [root.spawn(["/bin/sleep", "60"]) for _ in range(2)]
    t.error(lambda: root.spawn(["/bin/true"]), ERR + "TooMany",
            "a third sandbox with MaxSandboxesPerUser=2: TooMany")
    r = None
    try:
        r = nobody.spawn(["/bin/true"])
    except BusError as e:
        r = e
    t.ok(isinstance(r, list), "... while another user may still spawn", r)
    for sid, path in ids:
        root.manager("KillSandbox", "ti", sid, signal.SIGKILL)
        root.wait_state(path, "exited", 10)


# ---- 8. bad input ------------------------------------------------------------

def still_serving(t, h, root, what):
    try:
        ok = "default" in [p[0] for p in root.manager("ListPolicies")]
    except BusError:
        ok = False
    rc, out = h.sandboxctl_run("/bin/true")
    t.ok(ok and rc == 0 and h.daemon.poll() is None,
         "after %s the daemon still serves: ListPolicies, sandboxctl run /bin/true" % what,
         "ListPolicies ok: %r, sandboxctl rc %d: %s" % (ok, rc, out))


def spawn_raw(c, policy, argv, env, cwd, fds, opts):
    return c.manager("Spawn", SPAWN_SIG, policy, dbus.Array(argv, signature="s"),
                     dbus.Array(env, signature="s"), cwd,
                     *[dbus.types.UnixFd(fd) for fd in fds],
                     dbus.Dictionary(opts, signature="sv"))


def test_bad_input(t, h, root, nobody):
    nul = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
    ok_args = lambda **o: ("", ["/bin/true"], [], "", [nul, nul, nul], o)
    raw = lambda *a: spawn_raw(root, *a)

    t.error(lambda: root.manager("Spawn", "s", "default"), DBUS_ERR + "InvalidArgs",
            "Spawn with the wrong signature (s): InvalidArgs")
    t.error(lambda: root.manager("GetSandbox", "s", "1"), DBUS_ERR + "InvalidArgs",
            "GetSandbox with the wrong signature (s): InvalidArgs")
    # Each option error has a control that passes.
    t.succeeds(lambda: raw(*ok_args(TimeoutUSec=dbus.UInt64(10 * 10**6),
                                    MemoryMax=dbus.UInt64(256 << 20))),
               "Spawn with TimeoutUSec and MemoryMax below the policy's")
    t.error(lambda: raw(*ok_args(Bogus=dbus.UInt64(1))), ERR + "InvalidOption",
            "Spawn with an unknown option: InvalidOption")
    t.error(lambda: raw(*ok_args(TimeoutUSec=dbus.String("1"))), ERR + "InvalidOption",
            "Spawn with TimeoutUSec as a string: InvalidOption")
    t.error(lambda: raw(*ok_args(Detach=dbus.UInt32(1))), ERR + "InvalidOption",
            "Spawn with Detach as a u: InvalidOption")
    dup = DupKeys("TimeoutUSec", dbus.UInt64(10**6, variant_level=1))
    t.error(lambda: root.manager("Spawn", SPAWN_SIG, "", ["/bin/true"], dbus.Array([], "s"), "",
                                 *[dbus.types.UnixFd(nul)] * 3, dup),
            ERR + "InvalidOption", "Spawn with TimeoutUSec twice: InvalidOption")
    t.error(lambda: raw(*ok_args(MemoryMax=dbus.UInt64(1 << 40))), DBUS_ERR + "AccessDenied",
            "Spawn with MemoryMax above the policy's: AccessDenied", contains="exceeds")
    t.error(lambda: raw(*ok_args(TasksMax=dbus.UInt64(100000))), DBUS_ERR + "AccessDenied",
            "Spawn with TasksMax above the policy's: AccessDenied", contains="exceeds")
    t.error(lambda: raw("no-such-policy", ["/bin/true"], [], "", [nul] * 3, {}),
            ERR + "NoSuchPolicy", "Spawn under an unknown policy: NoSuchPolicy")
    t.error(lambda: root.manager("GetPolicy", "s", "no-such-policy"), ERR + "NoSuchPolicy",
            "GetPolicy of an unknown policy: NoSuchPolicy")
    t.error(lambda: raw("", [], [], "", [nul] * 3, {}), DBUS_ERR + "InvalidArgs",
            "Spawn with an empty argv: InvalidArgs")
    t.error(lambda: raw("", ["/nope"], [], "", [nul] * 3, {}), ERR + "SpawnFailed",
            "Spawn of a missing program: SpawnFailed naming it", contains="/nope")
    t.error(lambda: raw("", ["/bin/true"], ["NOEQUALSSIGN"], "", [nul] * 3, {}),
            DBUS_ERR + "InvalidArgs", "Spawn with an env entry not KEY=VALUE: InvalidArgs")
    t.error(lambda: raw("", ["/bin/true"], [], "relative/dir", [nul] * 3, {}),
            DBUS_ERR + "InvalidArgs", "Spawn with a relative cwd: InvalidArgs")
    d = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    t.error(lambda: raw("", ["/bin/true"], [], "", [d, nul, nul], {}), DBUS_ERR + "InvalidArgs",
            "Spawn with a directory fd as stdin: InvalidArgs")
    os.close(d)
    d = os.open("/dev/null", os.O_PATH | os.O_CLOEXEC)
    t.error(lambda: raw("", ["/bin/true"], [], "", [nul, d, nul], {}), DBUS_ERR + "InvalidArgs",
            "Spawn with an O_PATH fd as stdout: InvalidArgs")
    os.close(d)
    t.succeeds(lambda: raw("", ["/bin/true"] + ["x"] * 255, ["K%d=v" % i for i in range(256)],
                           "", [nul] * 3, {}),
               "Spawn with 256 argv and 256 env entries")
    t.error(lambda: raw("", ["/bin/true"] + ["x"] * 256, [], "", [nul] * 3, {}),
            DBUS_ERR + "InvalidArgs", "Spawn with 257 argv entries: InvalidArgs")
    t.error(lambda: raw("", ["/bin/true"], ["K%d=v" % i for i in range(257)], "", [nul] * 3,
                        {}),
            DBUS_ERR + "InvalidArgs", "Spawn with 257 env entries: InvalidArgs")
    t.succeeds(lambda: raw("", ["/bin/true", "y" * 4095], [], "", [nul] * 3, {}),
               "Spawn with a 4095-byte argument")
    t.error(lambda: raw("", ["/bin/true", "y" * 5000], [], "", [nul] * 3, {}),
            DBUS_ERR + "InvalidArgs", "Spawn with a 5000-byte argument: InvalidArgs")
    os.close(nul)
    t.error(lambda: nobody.spawn(["/bin/true"], options={"MemoryMax": 1 << 40}),
            DBUS_ERR + "AccessDenied", "uid 65534: MemoryMax above the policy's: AccessDenied",
            contains="exceeds")
    t.error(lambda: nobody.spawn(["/bin/true"], policy="no-such-policy"), ERR + "NoSuchPolicy",
            "uid 65534: Spawn under an unknown policy: NoSuchPolicy")
    t.error(lambda: nobody.spawn(["/nope"]), ERR + "SpawnFailed",
            "uid 65534: Spawn of a missing program: SpawnFailed naming it", contains="/nope")
    t.error(lambda: nobody.spawn([]), DBUS_ERR + "InvalidArgs",
            "uid 65534: Spawn with an empty argv: InvalidArgs")

    t.error(lambda: root.manager("CheckPolicy", "s", "#" * 70000), DBUS_ERR + "InvalidArgs",
            "CheckPolicy of a 70000-byte text: InvalidArgs")
    good = root.manager("GetPolicy", "s", "default")
    for who, c in (("root", root), ("uid 65534", nobody)):
        r = None
        try:
            r = c.manager("CheckPolicy", "s", good)
        except BusError as e:
            r = e
        t.ok(r == [], "%s: CheckPolicy of the default policy's text: no diagnostics" % who, r)
        try:
            r = c.manager("CheckPolicy", "s", "[Policy]\nDescription=x\nNoSuchKey=1\n")
        except BusError as e:
            r = e
        t.ok(isinstance(r, list) and any(d[0] == 3 and d[1] == "error" for d in r),
             "%s: CheckPolicy of a text with an unknown key: an error on line 3" % who, r)

    sid, path = root.spawn(["/bin/sleep", "60"])
    t.error(lambda: root.manager("KillSandbox", "ti", sid, 12345), DBUS_ERR + "InvalidArgs",
            "KillSandbox with signal 12345: InvalidArgs")
    root.manager("KillSandbox", "ti", sid, signal.SIGKILL)
    root.wait_state(path, "exited", 10)
    t.error(lambda: root.manager("KillSandbox", "ti", sid, signal.SIGTERM), ERR + "NotRunning",
            "KillSandbox of an exited sandbox: NotRunning")
    t.error(lambda: root.kill_object(path, signal.SIGTERM), ERR + "NotRunning",
            "Kill() on an exited sandbox's object: NotRunning")
    t.error(lambda: root.manager("GetSandbox", "t", 987654321), ERR + "NoSuchSandbox",
            "GetSandbox of an id never used: NoSuchSandbox")
    still_serving(t, h, root, "the bad arguments")

    # 200 calls at once from one connection, all answered.
    replies, errors = [], []
    for i in range(200):
        m, sig, args = [("ListPolicies", "", ()), ("GetPolicy", "s", ("default",)),
                        ("ListSandboxes", "", ())][i % 3]
        root.bus.call_async(BUS_NAME, MANAGER_PATH, MANAGER, m, sig, args,
                            replies.append, errors.append, timeout=60)
    pump(lambda: len(replies) + len(errors) >= 200, 60)
    t.ok(len(replies) == 200, "200 concurrent calls from one client are all answered",
         "%d replies, %d errors: %s" % (len(replies), len(errors),
                                        sorted({e.get_dbus_name() for e in errors})))
    for method, sig, args in (("CheckPolicy", "s", (good,)),
                              ("Spawn", None, ())):
        a = Agent(h)
        if method == "Spawn":
            a.spawn_and_leave(["/bin/sleep", "60"])
        else:
            a.call_and_leave(method, sig, *args)
    still_serving(t, h, root, "clients that left during CheckPolicy and Spawn")


# ---- 9. without a bus --------------------------------------------------------

def probe(h):
    """The number in the unique name a new connection gets (the bus counts
    every connection, so the difference between two probes tells how many
    came in between) and whether the daemon's name has an owner."""
    c = dbus.bus.BusConnection(h.address)
    n = int(c.get_unique_name().rsplit(".", 1)[1])
    owned = bool(c.name_has_owner(BUS_NAME))
    c.close()
    return n, owned


def bus_lines(log):
    return [line for line in log.splitlines() if re.search(r"\bbus\b", line, re.I)]


def test_no_bus(t, h):
    nobus = "unix:path=/nonexistent"
    started = h.start_daemon(["--bus=auto"], bus_address=nobus, log="auto.log",
                             wait_name=False)
    rc, out = h.sandboxctl_run("/bin/true") if started else (-1, "")
    t.ok(started and rc == 0, "--bus=auto without a system bus serves the socket",
         "rc %r %s\n%s" % (rc, out, h.read("auto.log")))
    h.stop_daemon()
    lines = bus_lines(h.read("auto.log"))
    t.ok(len(lines) == 1, "... and says so once in the log", h.read("auto.log"))

    started = h.start_daemon(["--bus=yes"], bus_address=nobus, log="yes.log", wait_name=False)
    p = h.daemons[-1]
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    h.stop_daemon()
    t.ok(rc not in (None, 0), "--bus=yes without a system bus exits non-zero", rc)
    t.ok(bus_lines(h.read("yes.log")), "... saying why (the bus)", h.read("yes.log"))

    started = h.start_daemon([], log="default.log")
    h.stop_daemon()
    t.ok(started, "without --bus= (auto) the daemon takes the name on a bus it finds",
         h.read("default.log"))

    before, _ = probe(h)
    started = h.start_daemon(["--bus=no"], log="no.log", wait_name=False)
    rc, out = h.sandboxctl_run("/bin/true") if started else (-1, "")
    t.ok(started and rc == 0, "--bus=no serves the socket", out + h.read("no.log"))
    after, owned = probe(h)
    h.stop_daemon()
    t.ok(not owned and after == before + 1,
         "--bus=no never connects to the bus (no connection between two probes)",
         "name owned: %r; probes :1.%d and :1.%d" % (owned, before, after))


# ---- main ----

def guarded(t, fn, *args):
    """fn(*args); an exception (an unexpected D-Bus error, a dead agent) is
    one failed test, and the next group runs."""
    try:
        return fn(*args)
    except Exception:
        t.ok(False, "%s ran to its end" % fn.__name__, traceback.format_exc())
        return None


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 0
    if not os.environ.get("SANDBOXD") or not os.environ.get("SANDBOXCTL"):
        print("1..0 # SKIP $SANDBOXD or $SANDBOXCTL not set (run through make check)")
        return 0
    if not os.path.exists(SYSTEM_CONF):
        print("1..0 # SKIP no %s to model the test bus on" % SYSTEM_CONF)
        return 0
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    # Interrupted (make check ^C, a timeout): still stop what we started.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    h = Harness()
    t = Tap()
    try:
        h.start_bus()
        if not t.ok(h.start_daemon(["--bus=yes"]), "sandboxd starts on the private bus",
                    h.read("sandboxd.log")):
            return 1
        log = h.read("sandboxd.log")
        if "(memory: yes, tasks: yes" not in log or "cpu quota: yes" not in log:
            t.skip("everything else", "sandboxd cannot enforce memory, tasks and CPU limits "
                   "here, which the shipped policies set (see its log)")
            return 0
        root = Client(h.address)
        nobody = Agent(h, NOBODY)
        sid = guarded(t, test_cli_spawn, t, h, root, "gdbus")
        if busctl_has_fds():
            sid = guarded(t, test_cli_spawn, t, h, root, "busctl")
        else:
            t.skip("busctl call Spawn with its own fds as h",
                   "busctl before systemd 254 cannot send UNIX fds")
        if sid is not None:
            guarded(t, test_introspection, t, h, root, sid)
        guarded(t, test_exits, t, root, 0, "root")
        guarded(t, test_exits, t, nobody, NOBODY, "uid 65534")
        guarded(t, test_options, t, h, root, "root", h.tmp)
        guarded(t, test_options, t, h, nobody, "uid 65534", h.nobody_dir)
        guarded(t, test_clients, t, h, root)
        guarded(t, test_users, t, h, root, nobody)
        guarded(t, test_caller_leaves, t, h, root)
        guarded(t, test_bad_input, t, h, root, nobody)
        rc = h.stop_daemon()
        log = h.read("sandboxd.log")
        t.ok(rc == 0, "the daemon exits 0 on SIGTERM", "%r\n%s" % (rc, log[-3000:]))
        conf = h.path("linger.conf")
        with open(conf, "w") as f:
            f.write("[Daemon]\nExitedSandboxLinger=1s\nMaxSandboxesPerUser=2\n")
        if t.ok(h.start_daemon(["--bus=yes", "-c", conf], log="linger.log"),
                "sandboxd -c (ExitedSandboxLinger=1s, MaxSandboxesPerUser=2) starts",
                h.read("linger.log")):
            guarded(t, test_lifecycle_signals, t, h, root)
            guarded(t, test_too_many, t, root, nobody)
        t.ok(h.stop_daemon() == 0, "... and exits 0 on SIGTERM", h.read("linger.log")[-3000:])
        guarded(t, test_no_bus, t, h)
        bad = [line for log in ("sandboxd", "linger", "auto", "yes", "no", "default")
               for line in h.read(log + ".log").splitlines()
               if re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", line)]
        t.ok(not bad, "no sanitizer report in the daemons' logs", "\n".join(bad[:20]))
    finally:
        h.cleanup()
        print("1..%d" % t.n, flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--agent":
        agent_main(sys.argv[2])
    else:
        sys.exit(main())
