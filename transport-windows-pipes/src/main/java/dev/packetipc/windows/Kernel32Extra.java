package dev.packetipc.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.BaseTSD;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import com.sun.jna.win32.W32APIOptions;

/**
 * What jna-platform 5.19 lacks, or declares in a form that overlapped I/O cannot use. jna-platform's {@code
 * ReadFile}/{@code WriteFile} take a {@code byte[]}, which JNA copies into temporary memory that is freed when the
 * call returns, while an overlapped operation goes on writing into it; and its {@code OVERLAPPED} is a {@code
 * Structure} that JNA writes back before every call, over what the kernel put there. So buffers and {@code
 * OVERLAPPED}s are passed here as raw pointers, laid out by {@link OverlappedLayout}. Loaded only on Windows.
 */
interface Kernel32Extra extends Library {
    /** {@code DuplicateHandle}: close the source handle. */
    int DUPLICATE_CLOSE_SOURCE = 0x1;
    /** {@code DuplicateHandle}: the same access as the source. */
    int DUPLICATE_SAME_ACCESS = 0x2;
    /** {@code CreateFileMapping}: commit the whole section at once. */
    int SEC_COMMIT = 0x8000000;
    /** {@code CreateNamedPipe}: fail if a pipe of this name exists. */
    int FILE_FLAG_FIRST_PIPE_INSTANCE = 0x80000;
    /** {@code CreateFile}: the next flag sets the impersonation level the server gets. */
    int SECURITY_SQOS_PRESENT = 0x100000;
    /** {@code CreateFile}: the server may identify the client but not act as it. */
    int SECURITY_IDENTIFICATION = 0x10000;
    /** {@code ConvertStringSecurityDescriptorToSecurityDescriptor}: the only SDDL revision. */
    int SDDL_REVISION_1 = 1;

    /** Loads the declarations from kernel32.dll; Windows only. */
    static Kernel32Extra load() {
        return Native.load("kernel32", Kernel32Extra.class, W32APIOptions.DEFAULT_OPTIONS);
    }

    boolean ReadFile(WinNT.HANDLE file, Pointer buffer, int bytesToRead, Pointer bytesRead, Pointer overlapped);

    boolean WriteFile(WinNT.HANDLE file, Pointer buffer, int bytesToWrite, Pointer bytesWritten, Pointer overlapped);

    boolean ConnectNamedPipe(WinNT.HANDLE pipe, Pointer overlapped);

    boolean GetOverlappedResult(WinNT.HANDLE file, Pointer overlapped, IntByReference transferred, boolean wait);

    boolean CancelIoEx(WinNT.HANDLE file, Pointer overlapped);

    /** With a {@code SIZE_T} length: jna-platform declares it {@code int}. */
    Pointer MapViewOfFile(
            WinNT.HANDLE section, int desiredAccess, int offsetHigh, int offsetLow, BaseTSD.SIZE_T bytesToMap);

    /** The one advapi32 function jna-platform lacks. */
    interface Advapi32Extra extends Library {
        /** Loads the declaration from advapi32.dll; Windows only. */
        static Advapi32Extra load() {
            return Native.load("advapi32", Advapi32Extra.class, W32APIOptions.DEFAULT_OPTIONS);
        }

        /** Resolves to {@code ConvertStringSecurityDescriptorToSecurityDescriptorW}; free the result with LocalFree. */
        boolean ConvertStringSecurityDescriptorToSecurityDescriptor(
                String sddl, int revision, PointerByReference descriptor, IntByReference size);
    }
}
