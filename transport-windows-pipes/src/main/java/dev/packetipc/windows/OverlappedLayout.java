package dev.packetipc.windows;

import com.sun.jna.Native;

/**
 * The layout of Win32's {@code OVERLAPPED}, for raw native memory (see {@link Kernel32Extra} for why not a JNA {@code
 * Structure}): {@code ULONG_PTR Internal; ULONG_PTR InternalHigh; DWORD Offset; DWORD OffsetHigh; HANDLE hEvent;}. On
 * Win64 that is 32 bytes with {@code hEvent} at 24. The tests compare it with jna-platform's {@code OVERLAPPED}.
 */
final class OverlappedLayout {
    private OverlappedLayout() {}

    /** The size of an {@code OVERLAPPED} for pointers of {@code pointerSize} bytes. */
    static int size(int pointerSize) {
        return hEventOffset(pointerSize) + pointerSize;
    }

    /** The offset of {@code hEvent}: after two pointers and two DWORDs, which keep it aligned on 4 and 8 alike. */
    static int hEventOffset(int pointerSize) {
        return 2 * pointerSize + 2 * Integer.BYTES;
    }

    /** {@link #size(int)} for this JVM. */
    static int size() {
        return size(Native.POINTER_SIZE);
    }

    /** {@link #hEventOffset(int)} for this JVM. */
    static int hEventOffset() {
        return hEventOffset(Native.POINTER_SIZE);
    }
}
