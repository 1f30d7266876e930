"""Layout probe of what no header says: run by one CPython (3.8+), it
measures in that running interpreter where Modules/_asynciomodule.c's
private FutureObj, TaskObj and futureiterobject keep what pytop reads, and
how deep below the top of a suspended coroutine's value stack the object it
awaits sits (gen_yf_slot). It prints "field value" / "field absent" lines
like tests/layout/probe.c, whose lines tests/layout/generate passes as
arguments ("field=value"). It checks probe.c's fields that it can against
the running interpreter: meth_self, weakref_object, the generator and
frame fields it walks the value stack with, gen_suspended_states on
created, running, suspended and finished coroutines and generators, and
from 3.14 the asyncio fields of the thread and interpreter states.

Each offset is found by reading the object's own memory and looking for the
aligned word that holds the id() of a known object, in two unrelated cases:
exactly one offset must fit both, or the probe fails. Standard library
only (ctypes); the script may be read from stdin (it is, in a chroot).
"""

import asyncio
import contextvars
import ctypes
import faulthandler
import gc
import os
import sys
import threading
import time
import weakref

try:
    import _asyncio
except ImportError:
    _asyncio = None

faulthandler.enable()  # where it was, if a wrong offset crashes it
MINOR = sys.version_info[1]
FIELDS = dict(arg.split("=", 1) for arg in sys.argv[1:])
OUT = []


def fail(why):
    sys.stderr.write("probe_asyncio: Python %s: %s\n" % (sys.version.split()[0], why))
    sys.stderr.flush()
    os._exit(1)  # not a word from the pending tasks' teardown after it


def field(name):
    """The value probe.c gave for name, None if absent."""
    if name not in FIELDS:
        fail("no %s=VALUE argument (tests/layout/generate passes probe.c's lines)" % name)
    return None if FIELDS[name] == "absent" else int(FIELDS[name])


def emit(name, value):
    OUT.append("%s %s" % (name, "absent" if value is None else value))


def word(addr):
    return ctypes.c_uint64.from_address(addr).value


def int32(addr):
    return ctypes.c_int32.from_address(addr).value


def int8(addr):
    return ctypes.c_int8.from_address(addr).value


def words(obj):
    """The aligned 8-byte words of obj's own struct (tp_basicsize)."""
    n = type(obj).__basicsize__ // 8
    return (ctypes.c_uint64 * n).from_address(id(obj))[:]


def one_offset(name, cases):
    """The one word offset that holds the target in every (obj, target
    address) case; fails unless there is exactly one."""
    common, seen = None, []
    for obj, target in cases:
        found = {8 * i for i, w in enumerate(words(obj)) if w == target}
        seen.append(sorted(found))
        common = found if common is None else common & found
    if len(common) != 1:
        fail("%s: %d offsets fit every case (per case: %s)" % (name, len(common), seen))
    return common.pop()


def check(what, ok):
    if not ok:
        fail("check failed: %s" % what)


# ---- the fields of probe.c that are checked here, and that the frames need

PTR = ctypes.sizeof(ctypes.c_void_p)
check("a 64-bit interpreter", PTR == 8)
check("asyncio uses the C Future and Task (_asyncio)",
      _asyncio is not None and asyncio.Future is _asyncio.Future and asyncio.Task is _asyncio.Task)
TAG_MASK = ~(field("fr_tag_bits") or 0)


class Thing:
    def method(self):
        pass


thing = Thing()
bound = thing.method
check("meth_self: a bound method's im_self", word(id(bound) + field("meth_self")) == id(thing))
ref = weakref.ref(thing)
check("weakref_object: a weak reference's wr_object", word(id(ref) + field("weakref_object")) == id(thing))


def frame_of(coro):
    """The address of a coroutine's frame: PyFrameObject (3.8-3.10) or the
    _PyInterpreterFrame embedded in it (3.11+)."""
    if field("gen_frame") is not None:
        frame = word(id(coro) + field("gen_frame"))
        check("gen_frame: a coroutine's gi_frame is cr_frame", frame == id(coro.cr_frame))
        return frame
    frame = id(coro) + field("gen_iframe")
    code = word(frame + field("fr_code")) & TAG_MASK
    check("gen_iframe: the frame in a coroutine runs cr_code", code == id(coro.cr_code))
    return frame


def stack_top(coro):
    """The address one past the top of a suspended coroutine's value stack,
    as pytop computes it from probe.c's fields."""
    frame = frame_of(coro)
    if field("fr_stackpointer") is not None:  # 3.8-3.9, 3.14+
        top = word(frame + field("fr_stackpointer"))
        check("fr_stackpointer: set in a suspended frame", top != 0)
        return top, None
    depth = int32(frame + field("fr_stackdepth"))
    if field("fr_valuestack") is not None:  # 3.10
        base = word(frame + field("fr_valuestack"))
    else:  # 3.11-3.13: counted from localsplus, locals included
        base = frame + field("fr_localsplus")
    check("fr_stackdepth: a sane depth (%d)" % depth, 0 < depth < 1000)
    return base + 8 * depth, base


def yf_slot(coro):
    """How many slots below the top the object coro awaits sits."""
    awaited = coro.cr_await
    check("the coroutine awaits something", awaited is not None)
    top, base = stack_top(coro)
    slots = [k for k in range(1, 5)
             if (base is None or top - 8 * k >= base) and word(top - 8 * k) & TAG_MASK == id(awaited)]
    if len(slots) != 1:
        fail("gen_yf_slot: %s awaited by %s is in slots %s below the top" % (type(awaited).__name__, coro, slots))
    return slots[0]


def suspended(state):
    return (field("gen_suspended_states") >> (state + 8)) & 1


def frame_state(coro):
    return int8(id(coro) + field("gen_frame_state"))


# ---- futures

loop1 = asyncio.new_event_loop()
loop2 = asyncio.new_event_loop()
loops = [loop1, loop2]


def callback_a(fut):
    pass


def callback_b(fut):
    pass


def callback_c(fut):
    pass


def future(loop):
    f = loop.create_future()
    check("loop.create_future() is a C Future", type(f) is _asyncio.Future)
    return f


f1, f2 = future(loop1), future(loop2)
emit("fut_loop", one_offset("fut_loop", [(f1, id(loop1)), (f2, id(loop2))]))

f1.add_done_callback(callback_a)
f2.add_done_callback(callback_b)
fut_callback0 = one_offset("fut_callback0", [(f1, id(callback_a)), (f2, id(callback_b))])
emit("fut_callback0", fut_callback0)


def callbacks_list(fut, rest):
    """The list that holds fut's callbacks after the first: its items are
    (callback, context) tuples."""
    lists = [r for r in gc.get_referents(fut) if type(r) is list]
    check("one list among a Future's referents", len(lists) == 1)
    items = lists[0]
    check("fut_callbacks: (callback, context) tuples",
          [type(i) for i in items] == [tuple] * len(rest)
          and all(len(i) == 2 and i[0] is cb and type(i[1]) is contextvars.Context for i, cb in zip(items, rest)))
    return items


f3, f4 = future(loop1), future(loop2)
for cb in (callback_a, callback_b, callback_c):
    f3.add_done_callback(cb)
for cb in (callback_c, callback_a):
    f4.add_done_callback(cb)
l3, l4 = callbacks_list(f3, [callback_b, callback_c]), callbacks_list(f4, [callback_a])
fut_callbacks = one_offset("fut_callbacks", [(f3, id(l3)), (f4, id(l4))])
check("fut_callbacks: NULL while there is one callback", words(f1)[fut_callbacks // 8] == 0)
check("fut_callback0: the first of three", words(f3)[fut_callback0 // 8] == id(callback_a))
emit("fut_callbacks", fut_callbacks)


def state_offsets(loop):
    """The 4-byte offsets that read 0, 1, 2 in a pending, a cancelled and a
    finished Future."""
    pending, cancelled, finished = future(loop), future(loop), future(loop)
    cancelled.cancel()
    finished.set_result(None)
    size = type(pending).__basicsize__
    return {o for o in range(0, size, 4)
            if [int32(id(f) + o) for f in (pending, cancelled, finished)] == [0, 1, 2]}


states = state_offsets(loop1) & state_offsets(loop2)
if len(states) != 1:
    fail("fut_state: %d offsets read 0, 1, 2: %s" % (len(states), sorted(states)))
emit("fut_state", states.pop())

# ---- tasks: B waits on a future, A awaits B


async def leaf(gate):
    await gate


async def waiter(task):
    await task


async def settle():
    for _ in range(3):
        await asyncio.sleep(0)


def pair(loop, tag):
    gate = future(loop)
    names = ("probe-task-B" + tag, "probe-task-A" + tag)
    b = loop.create_task(leaf(gate), name=names[0])
    a = loop.create_task(waiter(b), name=names[1])
    for t, n in ((a, names[1]), (b, names[0])):
        check("loop.create_task() is a C Task", type(t) is _asyncio.Task)
        check("a Task keeps the name it is given", t.get_name() is n)
    loop.run_until_complete(settle())
    check("both tasks pending", not a.done() and not b.done())
    return gate, b, a


gate1, b1, a1 = pair(loop1, "1")
gate2, b2, a2 = pair(loop2, "2")

if MINOR >= 14:
    fut_awaited_by = one_offset("fut_awaited_by", [(b1, id(a1)), (b2, id(a2))])
    # A second task awaiting B turns the word into a set of both.
    a3 = loop2.create_task(waiter(b2))
    loop2.run_until_complete(settle())
    both = ctypes.cast(word(id(b2) + fut_awaited_by), ctypes.py_object).value
    check("fut_awaited_by: a set once two tasks await", type(both) is set and both == {a2, a3})
    emit("fut_awaited_by", fut_awaited_by)
else:
    emit("fut_awaited_by", None)
emit("task_fut_waiter", one_offset("task_fut_waiter", [(b1, id(gate1)), (a2, id(b2))]))
emit("task_coro", one_offset("task_coro", [(b1, id(b1.get_coro())), (a2, id(a2.get_coro()))]))
emit("task_name", one_offset("task_name", [(a1, id(a1.get_name())), (b2, id(b2.get_name()))]))

if MINOR >= 14:
    # Tasks are linked into their thread's list when made, at its tail:
    # the next of each is the node of the one made after it, and the last
    # one's is the list head in the thread state.
    new = [loop1.create_task(leaf(gate1), name="probe-task-%d" % i) for i in range(3)]
    common = None
    for t, u in zip(new, new[1:]):
        found = {8 * i for i, w in enumerate(words(t)) if w == id(u) + 8 * i}
        common = found if common is None else common & found
    if len(common) != 1:
        fail("task_node: %d offsets link the tasks: %s" % (len(common), sorted(common)))
    task_node = common.pop()
    check("task_node: prev links back", word(id(new[1]) + task_node + 8) == id(new[0]) + task_node)
    ctypes.pythonapi.PyThreadState_Get.restype = ctypes.c_void_p
    tstate = ctypes.pythonapi.PyThreadState_Get()
    check("ts_asyncio_tasks: the last task links to the thread's list head",
          word(id(new[-1]) + task_node) == tstate + field("ts_asyncio_tasks"))
    emit("task_node", task_node)

    async def running():
        return (word(tstate + field("ts_asyncio_loop")) == id(asyncio.get_running_loop()),
                word(tstate + field("ts_asyncio_task")) == id(asyncio.current_task()))

    check("ts_asyncio_loop, ts_asyncio_task: the running loop and task",
          loop2.run_until_complete(running()) == (True, True))

    # The tasks of a thread that ends move to the interpreter's list.
    orphans = []

    def orphan():
        loop = asyncio.new_event_loop()
        orphans.append((loop, loop.create_task(leaf(loop.create_future()))))

    th = threading.Thread(target=orphan)
    th.start()
    th.join()
    ctypes.pythonapi.PyInterpreterState_Get.restype = ctypes.c_void_p
    head = ctypes.pythonapi.PyInterpreterState_Get() + field("interp_asyncio_tasks")
    node = id(orphans[0][1]) + task_node
    for _ in range(500):  # the thread state may be cleared after join()
        if word(node) == head and word(head) == node:
            break
        time.sleep(0.01)
    check("interp_asyncio_tasks: an ended thread's task is in the interpreter's list",
          word(node) == head and word(head) == node)
    loops.append(orphans[0][0])
else:
    emit("task_node", None)

# ---- the running loop of a thread: in its thread state's dict (3.8-3.12)
#
# asyncio's C module keeps it under __asyncio_running_event_loop__
# (Modules/_asynciomodule.c, set_running_loop): in a _RunningLoopHolder up
# to 3.11, itself in 3.12; from 3.13 in a field of the thread state
# (internal/pycore_tstate.h, _PyThreadStateImpl.asyncio_running_loop).

ctypes.pythonapi.PyThreadState_Get.restype = ctypes.c_void_p
# A borrowed reference: as an address (a py_object result would be
# released once more than it was taken).
ctypes.pythonapi.PyThreadState_GetDict.restype = ctypes.c_void_p


def running_entry():
    """The thread's dict's running-loop entry, as the running loop sees it."""
    ts_dict = ctypes.cast(ctypes.pythonapi.PyThreadState_GetDict(), ctypes.py_object).value
    check("ts_dict: the thread state's dict",
          word(ctypes.pythonapi.PyThreadState_Get() + field("ts_dict")) == id(ts_dict))
    loop = asyncio.get_running_loop()
    if field("ts_asyncio_loop") is not None:
        check("ts_asyncio_loop: the running loop",
              word(ctypes.pythonapi.PyThreadState_Get() + field("ts_asyncio_loop")) == id(loop))
    return ts_dict.get("__asyncio_running_event_loop__"), loop


async def entry_of_running_loop():
    return running_entry()


entries = [loop.run_until_complete(entry_of_running_loop()) for loop in (loop1, loop2)]
if MINOR >= 13:
    emit("holder_loop", None)
elif MINOR == 12:
    check("3.12: the entry is the running loop", all(e is lp for e, lp in entries))
    emit("holder_loop", None)
else:
    check("3.8-3.11: the entry is a holder", all(type(e).__name__ == "_RunningLoopHolder" for e, _ in entries))
    emit("holder_loop", one_offset("holder_loop", [(e, id(lp)) for e, lp in entries]))

# ---- Future.__await__()

i1, i2 = f1.__await__(), f2.__await__()
check("Future.__await__() is a FutureIter", type(i1).__name__ == "FutureIter")
emit("futiter_future", one_offset("futiter_future", [(i1, id(f1)), (i2, id(f2))]))

# ---- coroutines: where the awaited object sits on the value stack

me = []  # a coroutine that checks its own state while it runs


async def inner(fut):
    if me:
        check("gen_suspended_states: not a running coroutine", not suspended(frame_state(me[0])))
    await fut


async def outer(fut):
    await inner(fut)


def generator():
    yield


fut = future(loop1)
coro = outer(fut)
if field("gen_frame_state") is not None:
    check("gen_suspended_states: not a created coroutine", not suspended(frame_state(coro)))
check("a coroutine suspends yielding the future it awaits", coro.send(None) is fut)
sub = coro.cr_await
check("outer awaits the inner coroutine", type(sub).__name__ == "coroutine" and sub.cr_code is inner.__code__)
check("inner awaits a FutureIter", type(sub.cr_await).__name__ == "FutureIter")
slot = yf_slot(coro)
check("gen_yf_slot: the same for an await of a Future (%d)" % slot, yf_slot(sub) == slot)
emit("gen_yf_slot", slot)

if field("gen_frame_state") is not None:
    check("gen_suspended_states: a coroutine suspended in await", suspended(frame_state(coro))
          and suspended(frame_state(sub)))
    gen = generator()
    next(gen)
    check("gen_suspended_states: a generator suspended in yield", suspended(frame_state(gen)))
    other = inner(future(loop1))
    me.append(other)
    check("a second coroutine suspends", other.send(None) is not None)
    other.close()
    check("gen_suspended_states: not a closed coroutine", not suspended(frame_state(other)))
    done = generator()
    for _ in done:
        pass
    check("gen_suspended_states: not a finished generator", not suspended(frame_state(done)))
coro.close()

# ---- the end: let every task finish, close every loop

for loop in loops:
    pending = [t for t in asyncio.all_tasks(loop)]
    for t in pending:
        t.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()

print("version %s" % sys.version.split()[0])
for line in OUT:
    print(line)
