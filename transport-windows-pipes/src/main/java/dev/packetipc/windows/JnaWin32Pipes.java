package dev.packetipc.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.BaseTSD;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Win32Pipes} on Windows, through jna-platform's {@code Kernel32} and {@code Advapi32} and our {@link
 * Kernel32Extra}. Each method is one system call or a few, with no decisions of its own: those live above the seam,
 * where the Linux tests reach them. Its class is loaded only on Windows (see {@link PipeAvailability}).
 */
final class JnaWin32Pipes implements Win32Pipes {
    private final Kernel32 kernel32;
    private final Kernel32Extra extra;
    private final Advapi32 advapi32;
    private final Kernel32Extra.Advapi32Extra advapiExtra;
    /** I/O slots by address: the memory must stay reachable while the kernel may write into it. */
    private final Map<Long, Slot> slots = new ConcurrentHashMap<>();

    private JnaWin32Pipes(
            Kernel32 kernel32, Kernel32Extra extra, Advapi32 advapi32, Kernel32Extra.Advapi32Extra advapiExtra) {
        this.kernel32 = kernel32;
        this.extra = extra;
        this.advapi32 = advapi32;
        this.advapiExtra = advapiExtra;
    }

    /** Loads kernel32 and advapi32; Windows only. */
    static Win32Pipes load() {
        return new JnaWin32Pipes(
                Kernel32.INSTANCE, Kernel32Extra.load(), Advapi32.INSTANCE, Kernel32Extra.Advapi32Extra.load());
    }

    /** An {@code OVERLAPPED} in native memory with its manual-reset event. */
    private static final class Slot {
        final Memory overlapped;
        final WinNT.HANDLE event;

        Slot(Memory overlapped, WinNT.HANDLE event) {
            this.overlapped = overlapped;
            this.event = event;
        }
    }

    private static WinNT.HANDLE handle(long value) {
        return new WinNT.HANDLE(new Pointer(value));
    }

    private static long value(WinNT.HANDLE handle) {
        return handle == null ? 0 : Pointer.nativeValue(handle.getPointer());
    }

    private static Win32Error error(String function) {
        return new Win32Error(function, Native.getLastError());
    }

    private static boolean invalid(WinNT.HANDLE handle) {
        long value = value(handle);
        return value == 0 || value == -1;
    }

    @Override
    public long createPipe(String path, boolean firstInstance, String sddl, int bufferBytes) throws Win32Error {
        PointerByReference descriptor = new PointerByReference();
        if (!advapiExtra.ConvertStringSecurityDescriptorToSecurityDescriptor(
                sddl, Kernel32Extra.SDDL_REVISION_1, descriptor, null)) {
            throw error("ConvertStringSecurityDescriptorToSecurityDescriptorW");
        }
        try {
            WinBase.SECURITY_ATTRIBUTES attributes = new WinBase.SECURITY_ATTRIBUTES();
            attributes.dwLength = new WinDef.DWORD(attributes.size());
            attributes.lpSecurityDescriptor = descriptor.getValue();
            attributes.bInheritHandle = false;
            int openMode = WinBase.PIPE_ACCESS_DUPLEX
                    | WinNT.FILE_FLAG_OVERLAPPED
                    | (firstInstance ? Kernel32Extra.FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
            int pipeMode = WinBase.PIPE_TYPE_BYTE
                    | WinBase.PIPE_READMODE_BYTE
                    | WinBase.PIPE_WAIT
                    | WinBase.PIPE_REJECT_REMOTE_CLIENTS;
            WinNT.HANDLE pipe = kernel32.CreateNamedPipe(
                    path,
                    openMode,
                    pipeMode,
                    WinBase.PIPE_UNLIMITED_INSTANCES,
                    bufferBytes,
                    bufferBytes,
                    0,
                    attributes);
            if (invalid(pipe)) {
                throw error("CreateNamedPipeW");
            }
            return value(pipe);
        } finally {
            kernel32.LocalFree(descriptor.getValue());
        }
    }

    @Override
    public long openPipe(String path) throws Win32Error {
        WinNT.HANDLE file = kernel32.CreateFile(
                path,
                WinNT.GENERIC_READ | WinNT.GENERIC_WRITE,
                0,
                null,
                WinNT.OPEN_EXISTING,
                WinNT.FILE_FLAG_OVERLAPPED
                        | Kernel32Extra.SECURITY_SQOS_PRESENT
                        | Kernel32Extra.SECURITY_IDENTIFICATION,
                null);
        if (invalid(file)) {
            throw error("CreateFileW");
        }
        return value(file);
    }

    @Override
    public boolean waitPipe(String path, long timeoutMillis) {
        return kernel32.WaitNamedPipe(path, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
    }

    @Override
    public long newIo() throws Win32Error {
        WinNT.HANDLE event = kernel32.CreateEvent(null, true, false, null);
        if (invalid(event)) {
            throw error("CreateEventW");
        }
        Memory overlapped = new Memory(OverlappedLayout.size());
        overlapped.clear();
        overlapped.setPointer(OverlappedLayout.hEventOffset(), event.getPointer());
        long io = Pointer.nativeValue(overlapped);
        slots.put(io, new Slot(overlapped, event));
        return io;
    }

    @Override
    public void freeIo(long io) {
        Slot slot = slots.remove(io);
        if (slot != null) {
            kernel32.CloseHandle(slot.event);
            slot.overlapped.close();
        }
    }

    /** The slot, reset for a new operation: status and offsets zero, event not signalled. */
    private Slot begin(long io) {
        Slot slot = slots.get(io);
        slot.overlapped.clear(OverlappedLayout.hEventOffset());
        kernel32.ResetEvent(slot.event);
        return slot;
    }

    @Override
    public boolean startConnect(long pipe, long io) throws Win32Error {
        Slot slot = begin(io);
        if (extra.ConnectNamedPipe(handle(pipe), slot.overlapped)) {
            return false; // finished at once; the event is set and finish() collects it
        }
        int code = Native.getLastError();
        if (code == WinError.ERROR_PIPE_CONNECTED) {
            return true;
        }
        if (code != WinError.ERROR_IO_PENDING) {
            throw new Win32Error("ConnectNamedPipe", code);
        }
        return false;
    }

    @Override
    public void startRead(long handle, long io, ByteBuffer dst) throws Win32Error {
        Slot slot = begin(io);
        Pointer at = Native.getDirectBufferPointer(dst).share(dst.position());
        if (!extra.ReadFile(handle(handle), at, dst.remaining(), null, slot.overlapped)) {
            int code = Native.getLastError();
            if (code != WinError.ERROR_IO_PENDING) {
                throw new Win32Error("ReadFile", code);
            }
        }
    }

    @Override
    public void startWrite(long handle, long io, ByteBuffer src) throws Win32Error {
        Slot slot = begin(io);
        Pointer at = Native.getDirectBufferPointer(src).share(src.position());
        if (!extra.WriteFile(handle(handle), at, src.remaining(), null, slot.overlapped)) {
            int code = Native.getLastError();
            if (code != WinError.ERROR_IO_PENDING) {
                throw new Win32Error("WriteFile", code);
            }
        }
    }

    @Override
    public boolean await(long io, long timeoutMillis) {
        int millis = timeoutMillis == INFINITE ? WinBase.INFINITE : (int) Math.min(timeoutMillis, Integer.MAX_VALUE);
        int result = kernel32.WaitForSingleObject(slots.get(io).event, millis);
        return result != WinError.WAIT_TIMEOUT; // WAIT_FAILED too: finish() then reports what went wrong
    }

    @Override
    public int finish(long handle, long io) throws Win32Error {
        IntByReference transferred = new IntByReference();
        if (!extra.GetOverlappedResult(handle(handle), slots.get(io).overlapped, transferred, true)) {
            throw new Win32Error("GetOverlappedResult", Native.getLastError(), transferred.getValue());
        }
        return transferred.getValue();
    }

    @Override
    public void cancel(long handle, long io) {
        Slot slot = slots.get(io);
        if (slot != null) {
            extra.CancelIoEx(handle(handle), slot.overlapped); // ERROR_NOT_FOUND: nothing was pending
        }
    }

    @Override
    public int clientProcessId(long pipe) throws Win32Error {
        WinDef.ULONGByReference pid = new WinDef.ULONGByReference();
        if (!kernel32.GetNamedPipeClientProcessId(handle(pipe), pid)) {
            throw error("GetNamedPipeClientProcessId");
        }
        return pid.getValue().intValue();
    }

    @Override
    public long openProcess(int processId) throws Win32Error {
        WinNT.HANDLE process = kernel32.OpenProcess(WinNT.PROCESS_DUP_HANDLE, false, processId);
        if (invalid(process)) {
            throw error("OpenProcess");
        }
        return value(process);
    }

    @Override
    public long duplicateSectionInto(long process, long section) throws Win32Error {
        return duplicate(process, section, WinBase.FILE_MAP_READ);
    }

    @Override
    public long duplicateWritableSectionInto(long process, long section) throws Win32Error {
        return duplicate(process, section, WinBase.FILE_MAP_READ | WinBase.FILE_MAP_WRITE);
    }

    private long duplicate(long process, long section, int access) throws Win32Error {
        WinNT.HANDLEByReference target = new WinNT.HANDLEByReference();
        if (!kernel32.DuplicateHandle(
                kernel32.GetCurrentProcess(), handle(section), handle(process), target, access, false, 0)) {
            throw error("DuplicateHandle");
        }
        return value(target.getValue());
    }

    @Override
    public long createSection(long size) throws Win32Error {
        WinNT.HANDLE section = kernel32.CreateFileMapping(
                WinBase.INVALID_HANDLE_VALUE,
                null,
                WinNT.PAGE_READWRITE | Kernel32Extra.SEC_COMMIT,
                (int) (size >>> 32),
                (int) size,
                null);
        if (invalid(section)) {
            throw error("CreateFileMappingW");
        }
        return value(section);
    }

    @Override
    public ByteBuffer mapView(long section, long size, boolean writable) throws Win32Error {
        int access = writable ? WinBase.FILE_MAP_WRITE | WinBase.FILE_MAP_READ : WinBase.FILE_MAP_READ;
        Pointer view = extra.MapViewOfFile(handle(section), access, 0, 0, new BaseTSD.SIZE_T(size));
        if (view == null) {
            throw error("MapViewOfFile");
        }
        return view.getByteBuffer(0, size);
    }

    @Override
    public long addressOf(ByteBuffer view) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(view));
    }

    @Override
    public void unmapView(long address) {
        kernel32.UnmapViewOfFile(new Pointer(address));
    }

    @Override
    public void closeHandle(long handle) {
        kernel32.CloseHandle(handle(handle));
    }

    @Override
    public String currentUserSid() throws Win32Error {
        WinNT.HANDLEByReference token = new WinNT.HANDLEByReference();
        if (!advapi32.OpenProcessToken(kernel32.GetCurrentProcess(), WinNT.TOKEN_QUERY, token)) {
            throw error("OpenProcessToken");
        }
        try {
            return Advapi32Util.getTokenAccount(token.getValue()).sidString;
        } finally {
            kernel32.CloseHandle(token.getValue());
        }
    }
}
