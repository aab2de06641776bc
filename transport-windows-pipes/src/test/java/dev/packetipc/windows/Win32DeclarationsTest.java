package dev.packetipc.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Structure;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The structures and constants this transport declares or relies on, against the values the Windows SDK headers
 * document (winbase.h, winnt.h, winerror.h, minwinbase.h) for Win64. JNA lays structures out on Linux x86-64 as on
 * Win64 (natural alignment, 8-byte pointers, 4-byte BOOL), so these run anywhere with 8-byte pointers.
 */
class Win32DeclarationsTest {
    /** jna-platform's OVERLAPPED, with its protected field offsets made visible. */
    private static final class Overlapped extends WinBase.OVERLAPPED {
        int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** jna-platform's SECURITY_ATTRIBUTES, likewise. */
    private static final class SecurityAttributes extends WinBase.SECURITY_ATTRIBUTES {
        int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    @Test
    void overlappedLayoutIsWin64s() {
        assertEquals(32, OverlappedLayout.size(8));
        assertEquals(24, OverlappedLayout.hEventOffset(8));
        // 32-bit Windows: 20 bytes, hEvent at 16
        assertEquals(20, OverlappedLayout.size(4));
        assertEquals(16, OverlappedLayout.hEventOffset(4));
    }

    @Test
    void overlappedLayoutMatchesJnaPlatformsStructure() {
        assumeTrue(Native.POINTER_SIZE == 8, "needs a 64-bit JVM to compare with Win64");
        Overlapped overlapped = new Overlapped();
        assertEquals(32, overlapped.size());
        assertEquals(0, overlapped.offsetOf("Internal"));
        assertEquals(8, overlapped.offsetOf("InternalHigh"));
        assertEquals(16, overlapped.offsetOf("Offset"));
        assertEquals(20, overlapped.offsetOf("OffsetHigh"));
        assertEquals(OverlappedLayout.hEventOffset(), overlapped.offsetOf("hEvent"));
        assertEquals(OverlappedLayout.size(), overlapped.size());
    }

    @Test
    void securityAttributesIs24BytesOnWin64() {
        assumeTrue(Native.POINTER_SIZE == 8, "needs a 64-bit JVM to compare with Win64");
        SecurityAttributes attributes = new SecurityAttributes();
        assertEquals(24, attributes.size());
        assertEquals(0, attributes.offsetOf("dwLength"));
        assertEquals(8, attributes.offsetOf("lpSecurityDescriptor"));
        assertEquals(16, attributes.offsetOf("bInheritHandle"));
    }

    @Test
    void overlappedCallsTakeRawMemoryNeverArraysOrStructures() {
        // a byte[] is copied to memory freed when the call returns, and a Structure is written back before each call:
        // both break an operation that is still pending in the kernel
        for (Method method : Kernel32Extra.class.getDeclaredMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            for (Class<?> parameter : method.getParameterTypes()) {
                assertFalse(parameter.isArray(), method + " takes an array");
                assertFalse(Structure.class.isAssignableFrom(parameter), method + " takes a Structure");
            }
        }
        List<String> overlapped = new ArrayList<>();
        for (Method method : Kernel32Extra.class.getDeclaredMethods()) {
            overlapped.add(method.getName());
        }
        assertTrue(
                overlapped.containsAll(
                        List.of("ReadFile", "WriteFile", "ConnectNamedPipe", "GetOverlappedResult", "CancelIoEx")),
                overlapped.toString());
    }

    @Test
    void ourConstantsHaveTheDocumentedValues() {
        assertEquals(0x1, Kernel32Extra.DUPLICATE_CLOSE_SOURCE);
        assertEquals(0x2, Kernel32Extra.DUPLICATE_SAME_ACCESS);
        assertEquals(0x08000000, Kernel32Extra.SEC_COMMIT);
        assertEquals(0x00080000, Kernel32Extra.FILE_FLAG_FIRST_PIPE_INSTANCE);
        assertEquals(0x00100000, Kernel32Extra.SECURITY_SQOS_PRESENT);
        assertEquals(0x00010000, Kernel32Extra.SECURITY_IDENTIFICATION); // SecurityIdentification << 16
        assertEquals(1, Kernel32Extra.SDDL_REVISION_1);
    }

    @Test
    void jnaPlatformsConstantsWeUseHaveTheDocumentedValues() {
        assertEquals(0x00000003, WinBase.PIPE_ACCESS_DUPLEX);
        assertEquals(0x40000000, WinNT.FILE_FLAG_OVERLAPPED);
        assertEquals(0, WinBase.PIPE_TYPE_BYTE);
        assertEquals(0, WinBase.PIPE_READMODE_BYTE);
        assertEquals(0, WinBase.PIPE_WAIT);
        assertEquals(0x8, WinBase.PIPE_REJECT_REMOTE_CLIENTS);
        assertEquals(255, WinBase.PIPE_UNLIMITED_INSTANCES);
        assertEquals(0x0040, WinNT.PROCESS_DUP_HANDLE);
        assertEquals(0x04, WinNT.PAGE_READWRITE);
        assertEquals(0x0004, WinBase.FILE_MAP_READ);
        assertEquals(0x0002, WinBase.FILE_MAP_WRITE);
        assertEquals(0x80000000, WinNT.GENERIC_READ);
        assertEquals(0x40000000, WinNT.GENERIC_WRITE);
        assertEquals(3, WinNT.OPEN_EXISTING);
        assertEquals(0x0008, WinNT.TOKEN_QUERY);
        assertEquals(0xFFFFFFFF, WinBase.INFINITE);
        assertEquals(258, WinError.WAIT_TIMEOUT);
    }

    @Test
    void ourErrorCodesAreWindowsOwn() {
        assertEquals(WinError.ERROR_FILE_NOT_FOUND, Win32Error.ERROR_FILE_NOT_FOUND);
        assertEquals(WinError.ERROR_ACCESS_DENIED, Win32Error.ERROR_ACCESS_DENIED);
        assertEquals(WinError.ERROR_INVALID_HANDLE, Win32Error.ERROR_INVALID_HANDLE);
        assertEquals(WinError.ERROR_NOT_ENOUGH_MEMORY, Win32Error.ERROR_NOT_ENOUGH_MEMORY);
        assertEquals(WinError.ERROR_INVALID_PARAMETER, Win32Error.ERROR_INVALID_PARAMETER);
        assertEquals(WinError.ERROR_BROKEN_PIPE, Win32Error.ERROR_BROKEN_PIPE);
        assertEquals(WinError.ERROR_SEM_TIMEOUT, Win32Error.ERROR_SEM_TIMEOUT);
        assertEquals(WinError.ERROR_PIPE_BUSY, Win32Error.ERROR_PIPE_BUSY);
        assertEquals(WinError.ERROR_NO_DATA, Win32Error.ERROR_NO_DATA);
        assertEquals(WinError.ERROR_PIPE_NOT_CONNECTED, Win32Error.ERROR_PIPE_NOT_CONNECTED);
        assertEquals(WinError.ERROR_PIPE_CONNECTED, Win32Error.ERROR_PIPE_CONNECTED);
        assertEquals(WinError.ERROR_PIPE_LISTENING, Win32Error.ERROR_PIPE_LISTENING);
        assertEquals(WinError.ERROR_OPERATION_ABORTED, Win32Error.ERROR_OPERATION_ABORTED);
        assertEquals(WinError.ERROR_IO_INCOMPLETE, Win32Error.ERROR_IO_INCOMPLETE);
        assertEquals(WinError.ERROR_IO_PENDING, Win32Error.ERROR_IO_PENDING);
        assertEquals(WinError.ERROR_NOT_FOUND, Win32Error.ERROR_NOT_FOUND);
        // and the documented numbers, in case jna-platform were wrong
        assertEquals(109, Win32Error.ERROR_BROKEN_PIPE);
        assertEquals(232, Win32Error.ERROR_NO_DATA);
        assertEquals(233, Win32Error.ERROR_PIPE_NOT_CONNECTED);
        assertEquals(231, Win32Error.ERROR_PIPE_BUSY);
        assertEquals(535, Win32Error.ERROR_PIPE_CONNECTED);
        assertEquals(995, Win32Error.ERROR_OPERATION_ABORTED);
        assertEquals(997, Win32Error.ERROR_IO_PENDING);
    }

    @Test
    void errorsSayTheirNameAndWhetherThePeerIsGone() {
        Win32Error broken = new Win32Error("ReadFile", 109);
        assertEquals("ReadFile failed with ERROR_BROKEN_PIPE (109)", broken.getMessage());
        assertEquals(true, broken.isPeerGone());
        assertEquals(true, new Win32Error("WriteFile", 232).isPeerGone());
        assertEquals(true, new Win32Error("WriteFile", 233).isPeerGone());
        assertEquals(false, new Win32Error("WriteFile", 995).isPeerGone());
        assertEquals("CreateFileW failed with error 1450", new Win32Error("CreateFileW", 1450).getMessage());
    }
}
