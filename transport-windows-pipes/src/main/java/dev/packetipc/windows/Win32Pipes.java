package dev.packetipc.windows;

import java.nio.ByteBuffer;

/**
 * The one narrow seam between this transport and Windows: every system call the transport makes, in plain Java types
 * (handles are {@code long}, memory is a {@link ByteBuffer}). {@link JnaWin32Pipes} implements it with JNA on
 * Windows; the tests implement it on Linux, so that everything above it runs there.
 *
 * <p>Overlapped I/O is expressed through <em>I/O slots</em>: a slot ({@link #newIo()}) is one {@code OVERLAPPED}
 * structure with its own manual-reset event. An operation is started on a slot, waited for with {@link #await}, and
 * its result collected with {@link #finish}; {@link #cancel} ({@code CancelIoEx}) may be called from any thread and
 * makes a pending operation finish with {@link Win32Error#ERROR_OPERATION_ABORTED}. A slot carries one operation at a
 * time, and its buffer must stay untouched until {@link #finish} returned.
 *
 * <p>Failures are {@link Win32Error}s carrying the {@code GetLastError()} code.
 */
interface Win32Pipes {
    /** {@code WaitForSingleObject}'s wait without limit. */
    long INFINITE = -1;

    /**
     * {@code CreateNamedPipe} with {@code PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED}, {@code PIPE_TYPE_BYTE |
     * PIPE_READMODE_BYTE | PIPE_REJECT_REMOTE_CLIENTS} and unlimited instances: one more instance of the pipe.
     *
     * @param path the full pipe path, {@code \\.\pipe\<name>}
     * @param firstInstance adds {@code FILE_FLAG_FIRST_PIPE_INSTANCE}: fails with {@link
     *     Win32Error#ERROR_ACCESS_DENIED} if a pipe of this name exists already
     * @param sddl the security descriptor, in SDDL
     * @param bufferBytes the size of the in and out buffers
     * @return the server end's handle
     */
    long createPipe(String path, boolean firstInstance, String sddl, int bufferBytes) throws Win32Error;

    /**
     * {@code CreateFile(GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING, FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
     * SECURITY_IDENTIFICATION)}: the client end of a pipe instance.
     *
     * @throws Win32Error {@link Win32Error#ERROR_FILE_NOT_FOUND} if no such pipe exists, {@link
     *     Win32Error#ERROR_PIPE_BUSY} if every instance is taken, {@link Win32Error#ERROR_ACCESS_DENIED} if its
     *     security descriptor refuses this user
     */
    long openPipe(String path) throws Win32Error;

    /**
     * {@code WaitNamedPipe}: waits until an instance of the pipe is free.
     *
     * @return false if the time ran out or there is no such pipe
     */
    boolean waitPipe(String path, long timeoutMillis);

    /** A new I/O slot: an {@code OVERLAPPED} and a manual-reset event, in native memory. */
    long newIo() throws Win32Error;

    /** Frees a slot; no operation may be pending on it. */
    void freeIo(long io);

    /**
     * Starts an overlapped {@code ConnectNamedPipe}.
     *
     * @return true if a client is connected already ({@link Win32Error#ERROR_PIPE_CONNECTED}): nothing is pending
     */
    boolean startConnect(long pipe, long io) throws Win32Error;

    /**
     * Starts an overlapped {@code ReadFile} into the remaining bytes of {@code dst}, which must be a direct buffer. Its
     * position is not moved: {@link #finish} says how many bytes arrived.
     */
    void startRead(long handle, long io, ByteBuffer dst) throws Win32Error;

    /** Starts an overlapped {@code WriteFile} of the remaining bytes of {@code src}, a direct buffer. */
    void startWrite(long handle, long io, ByteBuffer src) throws Win32Error;

    /**
     * {@code WaitForSingleObject} on the slot's event.
     *
     * @param timeoutMillis 0 to look only, {@link #INFINITE} to wait without limit
     * @return true if the operation finished (or was cancelled), false if the time ran out
     */
    boolean await(long io, long timeoutMillis);

    /**
     * {@code GetOverlappedResult(wait = TRUE)}: waits for the operation to end and returns the bytes it moved.
     *
     * @throws Win32Error if it failed; {@link Win32Error#ERROR_OPERATION_ABORTED} if it was cancelled, with the bytes
     *     moved before in {@link Win32Error#transferred()}
     */
    int finish(long handle, long io) throws Win32Error;

    /** {@code CancelIoEx} of the operation on the slot; nothing happens if none is pending. Any thread may call it. */
    void cancel(long handle, long io);

    /** {@code GetNamedPipeClientProcessId}: the process id of the client connected to a server end. */
    int clientProcessId(long pipe) throws Win32Error;

    /** {@code OpenProcess(PROCESS_DUP_HANDLE)}: a handle to the process, to duplicate handles into. */
    long openProcess(int processId) throws Win32Error;

    /**
     * {@code DuplicateHandle} of a section from this process into {@code process}, with read access only.
     *
     * @return the handle's value in the target process
     */
    long duplicateSectionInto(long process, long section) throws Win32Error;

    /**
     * {@code DuplicateHandle} of a section from this process into {@code process}, with read and write access (the
     * packet ring, which the client writes its position into).
     *
     * @param process the target process, from {@link #openProcess}
     * @param section the section in this process
     * @return the handle's value in the target process
     * @throws Win32Error if the system refuses
     */
    long duplicateWritableSectionInto(long process, long section) throws Win32Error;

    /** {@code CreateFileMapping(INVALID_HANDLE_VALUE, PAGE_READWRITE | SEC_COMMIT)}: a section backed by the paging file. */
    long createSection(long size) throws Win32Error;

    /**
     * {@code MapViewOfFile} of the first {@code size} bytes of a section, with {@code FILE_MAP_READ}, plus {@code
     * FILE_MAP_WRITE} if {@code writable}.
     *
     * @return the view, capacity {@code size}; it stays valid until {@link #unmapView} and must not be used after
     */
    ByteBuffer mapView(long section, long size, boolean writable) throws Win32Error;

    /** The address of a view's first byte, for {@link #unmapView}. */
    long addressOf(ByteBuffer view);

    /** {@code UnmapViewOfFile} of the view at this address; failures are ignored. */
    void unmapView(long address);

    /** {@code CloseHandle}; failures are ignored: there is nothing a caller could do. */
    void closeHandle(long handle);

    /** The current user's SID in string form ({@code S-1-5-21-...}), from the process token. */
    String currentUserSid() throws Win32Error;
}
