package dev.packetipc.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One emulated Windows process: {@link Win32Pipes} on Linux, over JDK pipes and temporary files, so that everything
 * above the seam runs in the tests. Handles are numbers in this process's own table; errors carry the Windows codes
 * the real calls give. Overlapped operations move bytes only inside {@link #await} and {@link #finish}, which is when
 * a program can see them on Windows too; a cancel from another thread wakes the waiter, and the operation then ends
 * with {@code ERROR_OPERATION_ABORTED} unless it could still complete (the race Windows has as well).
 */
final class EmulatedWin32Pipes implements Win32Pipes {
    private final EmulatedWindows machine;
    private final int pid;
    private final String userSid;
    private final Map<Long, Object> handles = new ConcurrentHashMap<>();
    private final Map<Long, Slot> slots = new ConcurrentHashMap<>();
    private final Map<Long, ByteBuffer> views = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(0x100);
    private final AtomicLong nextSlot = new AtomicLong(1);
    private final java.util.concurrent.atomic.AtomicInteger pipeWaits = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CountDownLatch firstPipeWait = new java.util.concurrent.CountDownLatch(1);

    EmulatedWin32Pipes(EmulatedWindows machine, int pid, String userSid) {
        this.machine = machine;
        this.pid = pid;
        this.userSid = userSid;
    }

    int pid() {
        return pid;
    }

    String userSid() {
        return userSid;
    }

    /** How many handles this process holds: a leak shows here. */
    int openHandles() {
        return handles.size();
    }

    /** How many I/O slots are allocated. */
    int openSlots() {
        return slots.size();
    }

    /** How many mapped views were not unmapped. */
    int mappedViews() {
        return views.size();
    }

    private long add(Object object) {
        long value = nextHandle.getAndAdd(4);
        handles.put(value, object);
        return value;
    }

    private <T> T lookup(long handle, Class<T> type, String function) throws Win32Error {
        Object object = handles.get(handle);
        if (!type.isInstance(object)) {
            throw new Win32Error(function, Win32Error.ERROR_INVALID_HANDLE);
        }
        return type.cast(object);
    }

    // ---- pipes

    private volatile int nextInstanceFailure;

    /** Makes every later {@code CreateNamedPipe} of a further instance fail with this code, as when out of resources. */
    void failFurtherInstances(int code) {
        nextInstanceFailure = code;
    }

    @Override
    public long createPipe(String path, boolean firstInstance, String sddl, int bufferBytes) throws Win32Error {
        if (!firstInstance && nextInstanceFailure != 0) {
            throw new Win32Error("CreateNamedPipeW", nextInstanceFailure);
        }
        return add(machine.createInstance(path, firstInstance, sddl));
    }

    @Override
    public long openPipe(String path) throws Win32Error {
        return add(machine.connect(path, this));
    }

    /** How often {@code WaitNamedPipe} was called. */
    int pipeWaits() {
        return pipeWaits.get();
    }

    /** Waits until some thread of this process called {@code WaitNamedPipe}. */
    boolean awaitPipeWait(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return firstPipeWait.await(timeout, unit);
    }

    @Override
    public boolean waitPipe(String path, long timeoutMillis) {
        pipeWaits.incrementAndGet();
        firstPipeWait.countDown();
        return machine.waitFree(path, timeoutMillis);
    }

    @Override
    public int clientProcessId(long pipe) throws Win32Error {
        EmulatedWindows.Instance instance = lookup(pipe, EmulatedWindows.Instance.class, "GetNamedPipeClientProcessId");
        if (!machine.isConnected(instance)) {
            throw new Win32Error("GetNamedPipeClientProcessId", Win32Error.ERROR_PIPE_NOT_CONNECTED);
        }
        return instance.clientPid;
    }

    private SelectableChannel channelOf(long handle, boolean read, String function) throws Win32Error {
        Object object = handles.get(handle);
        if (object instanceof EmulatedWindows.ClientEnd) {
            EmulatedWindows.ClientEnd end = (EmulatedWindows.ClientEnd) object;
            return read ? end.in : end.out;
        }
        if (object instanceof EmulatedWindows.Instance) {
            EmulatedWindows.Instance instance = (EmulatedWindows.Instance) object;
            if (!machine.isConnected(instance)) {
                throw new Win32Error(function, Win32Error.ERROR_PIPE_LISTENING);
            }
            return read ? instance.in : instance.out;
        }
        throw new Win32Error(function, Win32Error.ERROR_INVALID_HANDLE);
    }

    // ---- overlapped I/O

    /** An I/O slot: the emulated OVERLAPPED and its event, here a selector that a cancel or a client can wake. */
    final class Slot {
        final Selector selector;
        /** What the pending or last operation is. */
        private Operation operation;

        Slot() throws IOException {
            this.selector = Selector.open();
        }
    }

    /** One overlapped operation. */
    private abstract static class Operation {
        volatile boolean cancelled;
        boolean done;
        int transferred;
        int error;

        /** Tries to make progress without blocking; sets {@link #done} when it ended. */
        abstract void progress();

        void fail(int code) {
            error = code;
            done = true;
        }
    }

    @Override
    public long newIo() throws Win32Error {
        try {
            long io = nextSlot.getAndIncrement();
            slots.put(io, new Slot());
            return io;
        } catch (IOException e) {
            throw new Win32Error("CreateEventW", Win32Error.ERROR_INVALID_HANDLE);
        }
    }

    @Override
    public void freeIo(long io) {
        Slot slot = slots.remove(io);
        if (slot != null) {
            try {
                slot.selector.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    @Override
    public boolean startConnect(long pipe, long io) throws Win32Error {
        EmulatedWindows.Instance instance = lookup(pipe, EmulatedWindows.Instance.class, "ConnectNamedPipe");
        Slot slot = slots.get(io);
        synchronized (machine) {
            if (instance.isConnected()) {
                slot.operation = null;
                return true; // ERROR_PIPE_CONNECTED
            }
            instance.connecting = slot;
        }
        slot.operation = new Operation() {
            @Override
            void progress() {
                if (machine.isConnected(instance)) {
                    done = true;
                } else if (instance.closed) {
                    fail(Win32Error.ERROR_OPERATION_ABORTED);
                }
            }
        };
        return false;
    }

    @Override
    public void startRead(long handle, long io, ByteBuffer dst) throws Win32Error {
        if (!dst.isDirect()) {
            throw new IllegalArgumentException("overlapped reads need direct buffers");
        }
        SelectableChannel channel = channelOf(handle, true, "ReadFile");
        start(
                io,
                channel,
                SelectionKey.OP_READ,
                new Operation() {
                    private final ByteBuffer target = dst.duplicate();

                    @Override
                    void progress() {
                        try {
                            int n = ((java.nio.channels.ReadableByteChannel) channel).read(target);
                            if (n > 0) {
                                transferred = n;
                                done = true;
                            } else if (n < 0) {
                                fail(Win32Error.ERROR_BROKEN_PIPE);
                            }
                        } catch (ClosedChannelException e) {
                            fail(Win32Error.ERROR_OPERATION_ABORTED);
                        } catch (IOException e) {
                            fail(Win32Error.ERROR_BROKEN_PIPE);
                        }
                    }
                },
                "ReadFile");
    }

    @Override
    public void startWrite(long handle, long io, ByteBuffer src) throws Win32Error {
        if (!src.isDirect()) {
            throw new IllegalArgumentException("overlapped writes need direct buffers");
        }
        SelectableChannel channel = channelOf(handle, false, "WriteFile");
        start(
                io,
                channel,
                SelectionKey.OP_WRITE,
                new Operation() {
                    private final ByteBuffer source = src.duplicate();

                    @Override
                    void progress() {
                        try {
                            transferred += ((java.nio.channels.WritableByteChannel) channel).write(source);
                            done = !source.hasRemaining();
                        } catch (ClosedChannelException e) {
                            fail(Win32Error.ERROR_OPERATION_ABORTED);
                        } catch (IOException e) { // the reading end is closed: "the pipe is being closed"
                            fail(Win32Error.ERROR_NO_DATA);
                        }
                    }
                },
                "WriteFile");
    }

    /** Starts an operation: one try at once, as Windows completes what it can in the call; a failure then is thrown. */
    private void start(long io, SelectableChannel channel, int interest, Operation operation, String function)
            throws Win32Error {
        Slot slot = slots.get(io);
        try {
            channel.register(slot.selector, interest);
        } catch (ClosedChannelException e) {
            throw new Win32Error(function, Win32Error.ERROR_INVALID_HANDLE);
        }
        operation.progress();
        if (operation.done && operation.error != 0) {
            slot.operation = null;
            throw new Win32Error(function, operation.error);
        }
        slot.operation = operation;
    }

    private volatile boolean timeOutNextAwait;

    /**
     * Makes the next {@link #await} report a time-out without looking, as when the time runs out just as the
     * operation completes: the caller then cancels an operation that may have moved bytes already.
     */
    void timeOutNextAwait() {
        timeOutNextAwait = true;
    }

    @Override
    public boolean await(long io, long timeoutMillis) {
        if (timeOutNextAwait) {
            timeOutNextAwait = false;
            return false;
        }
        Slot slot = slots.get(io);
        Operation operation = slot.operation;
        if (operation == null) {
            return true; // nothing pending: the event stays signalled
        }
        long deadline = timeoutMillis == INFINITE ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        try {
            while (true) {
                if (!operation.done) {
                    operation.progress();
                }
                if (operation.done) {
                    return true;
                }
                if (operation.cancelled) {
                    operation.fail(Win32Error.ERROR_OPERATION_ABORTED);
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (timeoutMillis == INFINITE) {
                    slot.selector.select();
                } else {
                    slot.selector.select(Math.max(1, (left + 999_999) / 1_000_000));
                }
                slot.selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            operation.fail(Win32Error.ERROR_INVALID_HANDLE);
            return true;
        }
    }

    @Override
    public int finish(long handle, long io) throws Win32Error {
        Slot slot = slots.get(io);
        Operation operation = slot.operation;
        if (operation == null) {
            return 0;
        }
        if (!operation.done) {
            if (operation.cancelled) {
                operation.progress(); // it may have completed before the cancel took hold
                if (!operation.done) {
                    operation.fail(Win32Error.ERROR_OPERATION_ABORTED);
                }
            } else {
                await(io, INFINITE);
            }
        }
        if (operation.error != 0) {
            throw new Win32Error("GetOverlappedResult", operation.error, operation.transferred);
        }
        return operation.transferred;
    }

    @Override
    public void cancel(long handle, long io) {
        Slot slot = slots.get(io);
        if (slot == null) {
            return;
        }
        Operation operation = slot.operation;
        if (operation != null) {
            operation.cancelled = true;
        }
        slot.selector.wakeup();
    }

    // ---- processes and sections

    /** A handle to another process, for duplication. */
    private static final class ProcessHandle {
        final EmulatedWin32Pipes process;

        ProcessHandle(EmulatedWin32Pipes process) {
            this.process = process;
        }
    }

    /** A section: an unlinked temporary file, shared by every handle to it. */
    private static final class Section {
        final FileChannel file;
        final long size;
        int references;

        Section(FileChannel file, long size) {
            this.file = file;
            this.size = size;
        }
    }

    /** One handle to a section, with its access. */
    private static final class SectionHandle {
        final Section section;
        final boolean writable;

        SectionHandle(Section section, boolean writable) {
            this.section = section;
            this.writable = writable;
            synchronized (section) {
                section.references++;
            }
        }
    }

    @Override
    public long openProcess(int processId) throws Win32Error {
        EmulatedWin32Pipes process = machine.process(processId);
        if (process == null) {
            throw new Win32Error("OpenProcess", Win32Error.ERROR_INVALID_PARAMETER);
        }
        if (!process.userSid.equals(userSid)) {
            throw new Win32Error("OpenProcess", Win32Error.ERROR_ACCESS_DENIED);
        }
        return add(new ProcessHandle(process));
    }

    @Override
    public long duplicateSectionInto(long process, long section) throws Win32Error {
        EmulatedWin32Pipes target = lookup(process, ProcessHandle.class, "DuplicateHandle").process;
        SectionHandle source = lookup(section, SectionHandle.class, "DuplicateHandle");
        return target.add(new SectionHandle(source.section, false));
    }

    @Override
    public long duplicateWritableSectionInto(long process, long section) throws Win32Error {
        EmulatedWin32Pipes target = lookup(process, ProcessHandle.class, "DuplicateHandle").process;
        SectionHandle source = lookup(section, SectionHandle.class, "DuplicateHandle");
        return target.add(new SectionHandle(source.section, source.writable));
    }

    @Override
    public long createSection(long size) throws Win32Error {
        try {
            Path path = Files.createTempFile("emulated-section-", ".bin");
            // deleted when closed, which works on Windows too, where an open file cannot be deleted
            FileChannel channel = FileChannel.open(
                    path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
            channel.write(ByteBuffer.allocate(1), size - 1); // the section's size, sparse
            return add(new SectionHandle(new Section(channel, size), true));
        } catch (IOException e) {
            throw new Win32Error("CreateFileMappingW", Win32Error.ERROR_NOT_ENOUGH_MEMORY);
        }
    }

    @Override
    public ByteBuffer mapView(long section, long size, boolean writable) throws Win32Error {
        SectionHandle handle = lookup(section, SectionHandle.class, "MapViewOfFile");
        if ((writable && !handle.writable) || size > handle.section.size || size <= 0) {
            throw new Win32Error("MapViewOfFile", Win32Error.ERROR_ACCESS_DENIED);
        }
        try {
            ByteBuffer view = handle.section.file.map(
                    writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, size);
            views.put(addressOf(view), view);
            return view;
        } catch (IOException e) {
            throw new Win32Error("MapViewOfFile", Win32Error.ERROR_ACCESS_DENIED);
        }
    }

    @Override
    public long addressOf(ByteBuffer view) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(view));
    }

    @Override
    public void unmapView(long address) {
        views.remove(address);
    }

    @Override
    public void closeHandle(long handle) {
        Object object = handles.remove(handle);
        try {
            if (object instanceof EmulatedWindows.Instance) {
                EmulatedWindows.Instance instance = (EmulatedWindows.Instance) object;
                machine.closeInstance(instance);
                if (instance.in != null) {
                    instance.in.close();
                    instance.out.close();
                }
                if (instance.connecting != null) {
                    instance.connecting.selector.wakeup();
                }
            } else if (object instanceof EmulatedWindows.ClientEnd) {
                ((EmulatedWindows.ClientEnd) object).in.close();
                ((EmulatedWindows.ClientEnd) object).out.close();
            } else if (object instanceof SectionHandle) {
                Section section = ((SectionHandle) object).section;
                synchronized (section) {
                    if (--section.references == 0) {
                        section.file.close();
                    }
                }
            }
        } catch (IOException e) {
            // CloseHandle does not fail in a way a caller could act on
        }
    }

    @Override
    public String currentUserSid() {
        return userSid;
    }
}
